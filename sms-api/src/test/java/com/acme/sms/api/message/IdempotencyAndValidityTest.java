package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
class IdempotencyAndValidityTest {

    static final String TWO = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"a\"},"
            + "{\"to\": \"+4917098765\", \"from\": \"App\", \"content\": \"b\"}]}";

    @Inject
    Stores stores;

    @Test
    void aRetryWithTheSameKeyIsChargedOnceAndGetsTheOriginalAnswer() {
        String client = credited(3);
        String key = UUID.randomUUID().toString();
        Response first = send(client, key, TWO);
        first.then().statusCode(202).header("Idempotent-Replayed", (String) null);
        Response again = send(client, key, TWO);
        again.then().statusCode(202).header("Idempotent-Replayed", "true");

        assertThat(again.<List<String>>path("results.id")).isEqualTo(first.path("results.id"));
        assertThat(again.<Integer>path("balance")).isEqualTo(1);
        assertThat(again.<String>path("queued_at")).isEqualTo(first.path("queued_at"));
        assertThat(stores.balanceKey(client)).isEqualTo("1");
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(2);

        // another key is another request
        send(client, UUID.randomUUID().toString(), TWO).then().statusCode(202).body("accepted", equalTo(1));
        assertThat(stores.balanceKeyExists(client)).isFalse();
    }

    @Test
    void concurrentRetriesWithOneKeyAreChargedOnce() throws Exception {
        String client = credited(100);
        String key = "order-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<Response>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            answers.add(pool.submit(() -> send(client, key, TWO)));
        }
        java.util.Set<List<String>> idSets = new java.util.HashSet<>();
        for (Future<Response> f : answers) {
            assertThat(f.get().statusCode()).isEqualTo(202);
            idSets.add(f.get().path("results.id"));
        }
        pool.shutdown();
        assertThat(idSets).hasSize(1);
        assertThat(stores.balanceKey(client)).isEqualTo("98");
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(2);
    }

    @Test
    void theSameKeyWithAnotherBodyIs422AndChargesNothing() {
        String client = credited(5);
        String key = UUID.randomUUID().toString();
        send(client, key, TWO).then().statusCode(202);
        send(client, key, "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"other\"}]}")
                .then().statusCode(422).contentType("application/problem+json").body("code", equalTo("idempotency-key-reused"));
        given().header("X-Client-ID", client).header("X-SMS-TYPE", "express").header("Idempotency-Key", key)
                .contentType("application/json").body(TWO).when().post("/api/messages/bulk/send")
                .then().statusCode(422).body("code", equalTo("idempotency-key-reused"));
        assertThat(stores.balanceKey(client)).isEqualTo("3");
    }

    @Test
    void aRequestThatChargedNothingDoesNotHoldItsKeySoARetryAfterATopUpIsAccepted() {
        String client = Stores.newClient();
        String key = UUID.randomUUID().toString();
        send(client, key, TWO).then().statusCode(402).body("code", equalTo("insufficient-credit"));
        assertThat(stores.redis().key().exists(com.acme.sms.redis.RedisKeys.idempotency(client, key))).isFalse();

        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 5}")
                .when().post("/api/credit/increase").then().statusCode(200);
        send(client, key, TWO).then().statusCode(202).header("Idempotent-Replayed", (String) null)
                .body("accepted", equalTo(2)).body("balance", equalTo(3));
        // From now on the key holds this answer.
        send(client, key, TWO).then().statusCode(202).header("Idempotent-Replayed", "true").body("balance", equalTo(3));
        assertThat(stores.balanceKey(client)).isEqualTo("3");
    }

    @Test
    void keysAreScopedToTheClient() {
        String key = UUID.randomUUID().toString();
        String a = credited(5);
        String b = credited(5);
        send(a, key, TWO).then().statusCode(202);
        send(b, key, TWO).then().statusCode(202).header("Idempotent-Replayed", (String) null);
        assertThat(stores.balanceKey(a)).isEqualTo("3");
        assertThat(stores.balanceKey(b)).isEqualTo("3");
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "{tag}", "ünïcode", "a*b"})
    void invalidKeysAre400(String key) {
        String client = credited(5);
        send(client, key, TWO).then().statusCode(400).body("code", equalTo("invalid-idempotency-key"));
        assertThat(stores.balanceKey(client)).isEqualTo("5");
    }

    @Test
    void tooLongKeyIs400() {
        String client = credited(5);
        send(client, "k".repeat(129), TWO).then().statusCode(400).body("code", equalTo("invalid-idempotency-key"));
    }

    @Test
    void expressMessagesCarryAValidityAndMayAskForLess() {
        String client = credited(5);
        long before = System.currentTimeMillis();
        given().header("X-Client-ID", client).header("X-SMS-TYPE", "express").contentType("application/json")
                .body("{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"OTP\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(202);
        given().header("X-Client-ID", client).header("X-SMS-TYPE", "express").contentType("application/json")
                .body("{\"validity_seconds\": 30, \"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"OTP\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(202);
        var queued = stores.queued(MessageType.EXPRESS, client);
        long q0 = Long.parseLong(queued.get(0).payload().get("q"));
        assertThat(Long.parseLong(queued.get(0).payload().get("x")) - q0).isEqualTo(300_000);
        long q1 = Long.parseLong(queued.get(1).payload().get("q"));
        assertThat(Long.parseLong(queued.get(1).payload().get("x")) - q1).isEqualTo(30_000);
        assertThat(q0).isBetween(before - 5_000, before + 60_000);
        // normal messages do not expire unless asked to
        given().header("X-Client-ID", client).contentType("application/json").body(TWO)
                .when().post("/api/messages/bulk/send").then().statusCode(202);
        assertThat(stores.queued(MessageType.NORMAL, client).get(0).payload()).doesNotContainKey("x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "301", "\"30\"", "1.5", "99999999999"})
    void expressValidityOutOfRangeIs400(String validity) {
        String client = credited(5);
        given().header("X-Client-ID", client).header("X-SMS-TYPE", "express").contentType("application/json")
                .body("{\"validity_seconds\": " + validity
                        + ", \"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"OTP\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(400);
        assertThat(stores.balanceKey(client)).isEqualTo("5");
    }

    private String credited(int credit) {
        return Stores.creditedClient(credit);
    }

    static Response send(String client, String key, String body) {
        return given().header("X-Client-ID", client).header("Idempotency-Key", key).contentType("application/json").body(body)
                .when().post("/api/messages/bulk/send");
    }
}
