package com.acme.sms.api.store;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.acme.sms.api.StoreFaults;
import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store that stops answering fails requests quickly with 503 and Retry-After, instead of holding them until it comes
 * back, and the request changes nothing. The faults are real: Redis paused with CLIENT PAUSE, a PostgreSQL table
 * locked by another session. Each fault also ends by itself after a while, so that without the bounds a request would
 * not hang the build, only come back late with another answer than 503.
 */
@QuarkusTest
class StoreBoundsTest {

    static final String ONE = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"a\"}]}";

    @Inject
    Stores stores;

    @AfterEach
    void heal() {
        StoreFaults.unpauseRedis();
    }

    @Test
    void aPausedRedisAnswersASendWith503AndTheRequestRateLimiterFailsClosed() {
        String client = Stores.creditedClient(5);
        StoreFaults.pauseRedis(20_000);
        Response answer = send(client);
        StoreFaults.unpauseRedis();

        // The request limiter is the first Redis call of the request: it neither admits it unlimited nor holds it.
        answer.then().statusCode(503).contentType("application/problem+json")
                .body("code", equalTo("service-unavailable")).header("Retry-After", notNullValue());
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
        // Redis answers again, and so does the API.
        send(client).then().statusCode(202).body("accepted", equalTo(1)).body("balance", equalTo(4));
    }

    /**
     * The blocking Redis calls (quarkus.redis.timeout) fail another way than the reactive ones: the admin's dead-letter
     * list, which no rate limit call precedes, is one of them. bin/nemesis saw it as a 500.
     */
    @Test
    void aRedisThatAnswersNothingAnswersABlockingReadWith503() {
        long pausedUntil = System.currentTimeMillis() + 8_000;
        StoreFaults.pauseRedisEntirely(8_000);
        Response answer = given().header("X-Admin-Key", "test-admin-key").when().get("/api/admin/dead-letters");
        boolean stillPaused = System.currentTimeMillis() < pausedUntil;

        answer.then().statusCode(503).contentType("application/problem+json")
                .body("code", equalTo("service-unavailable")).header("Retry-After", notNullValue());
        assertThat(stillPaused).as("the answer came while Redis was still paused").isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().header("X-Admin-Key", "test-admin-key")
                .when().get("/api/admin/dead-letters").then().statusCode(200).body("type", equalTo("normal")));
    }

    /** The dashboard reads Redis alone: with Redis answering nothing, its state is a 503 the page shows, not a 500. */
    @Test
    void aRedisThatAnswersNothingAnswersTheDashboardWith503() {
        long pausedUntil = System.currentTimeMillis() + 8_000;
        StoreFaults.pauseRedisEntirely(8_000);
        // A state read serves every viewer for a second: the next one after that asks Redis, and gets no answer.
        await().atMost(Duration.ofSeconds(6)).untilAsserted(() -> given().auth().preemptive()
                .basic("ops", "test-admin-key").when().get("/dashboard/api/state").then().statusCode(503)
                .contentType("application/problem+json").header("Retry-After", notNullValue()));
        assertThat(System.currentTimeMillis()).as("the 503 came while Redis was still paused").isLessThan(pausedUntil);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().preemptive()
                .basic("ops", "test-admin-key").when().get("/dashboard/api/state").then().statusCode(200));
    }

    @Test
    void aLockedMessagesTableAnswersTheLogAndOneMessageWith503AndTheyWorkOnceItIsFree() throws Exception {
        String client = Stores.newClient();
        UUID unknown = UuidV7.next(); // a v7 id is looked up in its partition; another version is not looked up at all
        ScheduledExecutorService release = Executors.newSingleThreadScheduledExecutor();
        try {
            Response log;
            Response one;
            AutoCloseable lock = StoreFaults.lockTable("messages");
            // Released at the latest after 30 s (the store timeout is 5 s in tests), so that without a bound the
            // reads come back late with a 200 and a 404.
            var released = release.schedule(() -> {
                lock.close();
                return null;
            }, 30, TimeUnit.SECONDS);
            log = given().header("X-Client-ID", client).when().get("/api/messages/sent-log");
            one = given().header("X-Client-ID", client).when().get("/api/messages/" + unknown);
            boolean stillLocked = released.cancel(false);
            if (stillLocked) {
                lock.close();
            }

            log.then().statusCode(503).contentType("application/problem+json")
                    .body("code", equalTo("service-unavailable")).header("Retry-After", notNullValue());
            one.then().statusCode(503).body("code", equalTo("service-unavailable")).header("Retry-After", notNullValue());
            assertThat(stillLocked).as("both answers came while the table was still locked").isTrue();
        } finally {
            release.shutdownNow();
        }
        given().header("X-Client-ID", client).when().get("/api/messages/sent-log").then().statusCode(200)
                .body("total", equalTo(0));
        given().header("X-Client-ID", client).when().get("/api/messages/" + unknown).then().statusCode(404)
                .body("code", equalTo("message-not-found"));
    }

    private static Response send(String client) {
        return given().header("X-Client-ID", client).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send");
    }
}
