package com.acme.sms.api.credit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Top-ups take an Idempotency-Key with the semantics of sends: 24 h, the first answer replayed, 422 on another body. */
@QuarkusTest
class TopUpIdempotencyTest {

    @Inject
    Stores stores;

    @Test
    void aRetriedTopUpIsAddedOnceAndGetsTheFirstAnswer() {
        String client = Stores.newClient();
        post(client, "k-1", "{\"name\": \"Acme\", \"balance\": 50}")
                .then().statusCode(200).body("balance", equalTo(50)).body("added", equalTo(50));
        post(client, "k-1", "{\"name\": \"Acme\", \"balance\": 50}")
                .then().statusCode(200).header("Idempotent-Replayed", "true")
                .body("client_id", equalTo(client)).body("name", equalTo("Acme")).body("added", equalTo(50))
                .body("balance", equalTo(50));
        assertThat(stores.balanceKey(client)).isEqualTo("50");
        assertThat(stores.count("SELECT balance FROM credits WHERE client_id = ?", client)).isEqualTo(50);
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(1);

        // another key is another top-up
        post(client, "k-2", "{\"name\": \"Acme\", \"balance\": 50}").then().statusCode(200).body("balance", equalTo(100));
        assertThat(stores.balanceKey(client)).isEqualTo("100");
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndChangesNothing() {
        String client = Stores.newClient();
        post(client, "k-1", "{\"balance\": 50}").then().statusCode(200);
        String before = stores.footprint(client);
        post(client, "k-1", "{\"balance\": 51}").then().statusCode(422).body("code", equalTo("idempotency-key-reused"));
        post(client, "k-1", "{\"name\": \"Other\", \"balance\": 50}").then().statusCode(422)
                .body("code", equalTo("idempotency-key-reused"));
        assertThat(stores.footprint(client)).isEqualTo(before);
    }

    @Test
    void keysAreTheClientsOwn() {
        String a = Stores.newClient();
        String b = Stores.newClient();
        post(a, "shared", "{\"balance\": 5}").then().statusCode(200);
        post(b, "shared", "{\"balance\": 5}").then().statusCode(200).header("Idempotent-Replayed", (String) null);
        assertThat(stores.balanceKey(b)).isEqualTo("5");
    }

    @Test
    void aMalformedKeyIs400AndChangesNothing() {
        String client = Stores.newClient();
        post(client, "bad key!", "{\"balance\": 5}").then().statusCode(400).body("code", equalTo("invalid-idempotency-key"));
        assertThat(stores.footprint(client)).as("as of a client never seen").isEqualTo(stores.footprint(Stores.newClient()));
    }

    @Test
    void concurrentRetriesWithOneKeyAddOnce() throws Exception {
        String client = Stores.newClient();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(pool.submit(() -> post(client, "race", "{\"balance\": 7}").statusCode()));
            }
            for (Future<Integer> f : answers) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(stores.balanceKey(client)).isEqualTo("7");
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(1);
    }

    @Test
    void aTopUpRefusedOverTheLimitIsRefusedAgainOnReplayAndLeavesNoCredit() {
        String client = Stores.newClient();
        stores.setBalance(client, 1_000_000_000_000L - 10);
        post(client, "big", "{\"balance\": 11}").then().statusCode(422).body("code", equalTo("balance-limit"));
        post(client, "big", "{\"balance\": 11}").then().statusCode(422).body("code", equalTo("balance-limit"));
        assertThat(stores.balanceKey(client)).isEqualTo(Long.toString(1_000_000_000_000L - 10));
        assertThat(stores.count("SELECT COALESCE(sum(delta), 0) FROM credit_ledger WHERE client_id = ?", client)).isZero();
        assertThat(stores.count("SELECT COALESCE(max(balance), 0) FROM credits WHERE client_id = ?", client)).isZero();
    }

    private static io.restassured.response.Response post(String client, String key, String body) {
        return given().header("X-Client-ID", client).header("Idempotency-Key", key).contentType("application/json")
                .body(body).when().post("/api/credit/increase");
    }
}
