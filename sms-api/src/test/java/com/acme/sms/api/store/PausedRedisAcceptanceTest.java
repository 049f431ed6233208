package com.acme.sms.api.store;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.acme.sms.api.StoreFaults;
import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Acceptance (accept.lua) while Redis is paused, with the request rate limiter off so that the script is the
 * request's first Redis call. The API gives up after the store timeout and answers 503; the script is still queued
 * on its connection and runs once Redis resumes, after its deadline, and must then change nothing: the client was
 * told its request failed.
 */
@QuarkusTest
@TestProfile(PausedRedisAcceptanceTest.NoRequestLimit.class)
class PausedRedisAcceptanceTest {

    public static class NoRequestLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sms.rate-limit.requests-per-second", "0");
        }
    }

    static final String TWO = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"a\"},"
            + "{\"to\": \"+4917098765\", \"from\": \"App\", \"content\": \"b\"}]}";

    @Inject
    Stores stores;

    @AfterEach
    void heal() {
        StoreFaults.unpauseRedis();
    }

    @Test
    void aSendThatRedisReachesAfterItsDeadlineIs503ChargesNothingAndKeepsNoKey() {
        String client = Stores.creditedClient(5);
        String key = UUID.randomUUID().toString();
        StoreFaults.pauseRedis(20_000);
        Response answer = send(client, key);
        StoreFaults.unpauseRedis();

        answer.then().statusCode(503).contentType("application/problem+json")
                .body("code", equalTo("service-unavailable")).header("Retry-After", notNullValue());
        // The script the API gave up on runs now, late; for a while afterwards nothing may have changed.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(stores.balanceKey(client)).isEqualTo("5");
            assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
            assertThat(stores.redis().key().exists(RedisKeys.idempotency(client, key))).isFalse();
        });
        // The client's retry with the same key is a first request: charged once, not a replay.
        send(client, key).then().statusCode(202).header("Idempotent-Replayed", (String) null)
                .body("accepted", equalTo(2)).body("balance", equalTo(3));
        send(client, key).then().statusCode(202).header("Idempotent-Replayed", "true").body("balance", equalTo(3));
    }

    private static Response send(String client, String key) {
        return given().header("X-Client-ID", client).header("Idempotency-Key", key).contentType("application/json")
                .body(TWO).when().post("/api/messages/bulk/send");
    }
}
