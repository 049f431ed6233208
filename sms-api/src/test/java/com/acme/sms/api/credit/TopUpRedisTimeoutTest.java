package com.acme.sms.api.credit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, credit 1: PostgreSQL commits a top-up, then Redis does not answer in time. The script call is still
 * queued on the connection and runs once Redis resumes; it must then add the credit once, and the ledger must say
 * so, so that live credit never exceeds what PostgreSQL recorded and does not stay below it.
 */
@QuarkusTest
@TestProfile(TopUpRedisTimeoutTest.ShortWait.class)
class TopUpRedisTimeoutTest {

    public static class ShortWait implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // The request rate limiter writes to Redis too; off, so the pause meets the top-up itself.
            return Map.of("sms.rate-limit.requests-per-second", "0",
                    "sms.credit.redis-wait", "2s",
                    "sms.credit.recovery-interval", "1s",
                    "sms.credit.recovery-age", "3s");
        }
    }

    /** Longer than any wait of the API (10 s before the fix, 2 s here), so the answer comes while Redis is paused. */
    static final String PAUSE_MILLIS = "12000";

    @Inject
    Stores stores;

    @AfterEach
    void unpause() {
        stores.redis().execute("CLIENT", "UNPAUSE");
    }

    @Test
    void aTopUpWhoseRedisCallTimesOutIsAppliedExactlyOnceAndLedgerAndLiveAgree() {
        String client = Stores.creditedClient(100);
        stores.redis().execute("CLIENT", "PAUSE", PAUSE_MILLIS, "WRITE");

        Response answer = given().header("X-Client-ID", client).header("Idempotency-Key", "pause-1")
                .contentType("application/json").body("{\"balance\": 50}")
                .when().post("/api/credit/increase");
        stores.redis().execute("CLIENT", "UNPAUSE");

        // The top-up is recorded; once Redis answers again, live credit reaches the ledger and stays there.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(live(client)).as("live balance against the ledger's %d", ledger(client)).isEqualTo(ledger(client));
            assertThat(ledger(client)).isEqualTo(150);
            assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ? AND applied_at IS NULL",
                    client)).isZero();
        });
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(503);
        assertThat(answer.jsonPath().getString("code")).isEqualTo("credit-pending");
        assertThat(answer.header("Retry-After")).isNotNull();
        // The client retries with its key: the top-up is not added again, the answer says it was added.
        given().header("X-Client-ID", client).header("Idempotency-Key", "pause-1")
                .contentType("application/json").body("{\"balance\": 50}")
                .when().post("/api/credit/increase")
                .then().statusCode(200).header("Idempotent-Replayed", "true");
        assertThat(live(client)).isEqualTo(150);
        assertThat(ledger(client)).isEqualTo(150);
    }

    @Test
    void withoutAKeyATimedOutTopUpIsStillAppliedOnceLater() {
        String client = Stores.creditedClient(100);
        stores.redis().execute("CLIENT", "PAUSE", PAUSE_MILLIS, "WRITE");
        Response answer = given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": 50}").when().post("/api/credit/increase");
        stores.redis().execute("CLIENT", "UNPAUSE");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(live(client)).as("live balance against the ledger's %d", ledger(client)).isEqualTo(ledger(client));
            assertThat(ledger(client)).isEqualTo(150);
            assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ? AND applied_at IS NULL",
                    client)).isZero();
        });
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(503);
    }

    private long live(String client) {
        String raw = stores.balanceKey(client);
        return raw == null ? 0 : Long.parseLong(raw);
    }

    private long ledger(String client) {
        return stores.count("SELECT COALESCE(sum(delta), 0) FROM credit_ledger WHERE client_id = ?", client);
    }

}
