package com.acme.sms.worker.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.acceptance.AcceptScript;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.queue.QueuePause;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.Management;
import com.acme.sms.worker.WorkerRunner;
import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /q/health as an operator reads it: each check once, under a name that says what it checks. */
@QuarkusTest
class HealthChecksTest {

    @Inject
    WorkerRunner runner;

    @Inject
    AgroalDataSource db;

    @Inject
    CreditScripts credit;

    @Inject
    AcceptScript acceptance;

    @Inject
    RedisDataSource redis;

    @Inject
    QueuePause pause;

    @Test
    void theConsumerChecksHaveDistinctNamesAndFollowTheConsumers() {
        // Before the consumers run (WorkerMain starts them after the schema check): alive, not ready.
        JsonPath before = health(503);
        assertThat(status(before, ConsumersLiveness.NAME)).isEqualTo("UP");
        assertThat(status(before, ConsumersReadiness.NAME)).isEqualTo("DOWN");
        Management.given().when().get("/q/health/live").then().statusCode(200);
        Management.given().when().get("/q/health/ready").then().statusCode(503);

        runner.start(MessageType.NORMAL);
        try {
            JsonPath running = health(200);
            List<String> names = running.getList("checks.name");
            assertThat(names).doesNotHaveDuplicates().contains(ConsumersLiveness.NAME, ConsumersReadiness.NAME);
            assertThat(status(running, ConsumersReadiness.NAME)).isEqualTo("UP");
            assertThat(running.getString("checks.find { it.name == '" + ConsumersLiveness.NAME + "' }.data.queue"))
                    .isEqualTo("normal");
            assertThat(Management.given().when().get("/q/health/live").then().statusCode(200).extract().jsonPath()
                    .<String>getList("checks.name")).contains(ConsumersLiveness.NAME).doesNotContain(ConsumersReadiness.NAME);
            assertThat(Management.given().when().get("/q/health/ready").then().statusCode(200).extract().jsonPath()
                    .<String>getList("checks.name")).contains(ConsumersReadiness.NAME).doesNotContain(ConsumersLiveness.NAME);
        } finally {
            runner.stopAndWait();
        }
    }

    @Test
    void aConsumerHeldLongerThanStuckAfterTurnsLivenessRedUntilItMovesAgain() throws Exception {
        runner.start(MessageType.NORMAL);
        try (Connection lock = db.getConnection()) {
            // A batch whose write never returns: the table locked by someone else (a migration, a stuck session).
            lock.setAutoCommit(false);
            lock.createStatement().execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
            credit.add("stuck-client", System.nanoTime(), 1).await().atMost(Duration.ofSeconds(10));
            acceptance.accept("stuck-client", MessageType.NORMAL,
                    List.of(new AcceptScript.Outgoing(UuidV7.next(), "+4917012345", "App", "held"))).await()
                    .atMost(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> Management.given().when().get("/q/health/live").then().statusCode(503));
            lock.rollback();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> Management.given().when().get("/q/health/live").then().statusCode(200));
        } finally {
            runner.stopAndWait();
        }
    }

    /** A paused queue is not a fault: its workers stay alive and ready however long the pause (stuck-after is 5 s). */
    @Test
    void aPausedQueueKeepsItsWorkersAliveAndReadyLongerThanStuckAfter() throws Exception {
        redis.value(String.class).set(RedisKeys.paused(MessageType.NORMAL), "test");
        runner.start(MessageType.NORMAL);
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> pause.paused(MessageType.NORMAL));
            await().during(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        Management.given().when().get("/q/health/live").then().statusCode(200);
                        Management.given().when().get("/q/health/ready").then().statusCode(200);
                    });
        } finally {
            redis.key(String.class).del(RedisKeys.paused(MessageType.NORMAL));
            runner.stopAndWait();
        }
    }

    private static JsonPath health(int expectedStatus) {
        return Management.given().when().get("/q/health").then().statusCode(expectedStatus).extract().jsonPath();
    }

    private static String status(JsonPath health, String check) {
        return health.getString("checks.find { it.name == '" + check + "' }.status");
    }
}
