package com.acme.sms.worker.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.message.MessageType;
import com.acme.sms.worker.Management;
import com.acme.sms.worker.WorkerRunner;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /q/health as an operator reads it: each check once, under a name that says what it checks. */
@QuarkusTest
class HealthChecksTest {

    @Inject
    WorkerRunner runner;

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

    private static JsonPath health(int expectedStatus) {
        return Management.given().when().get("/q/health").then().statusCode(expectedStatus).extract().jsonPath();
    }

    private static String status(JsonPath health, String check) {
        return health.getString("checks.find { it.name == '" + check + "' }.status");
    }
}
