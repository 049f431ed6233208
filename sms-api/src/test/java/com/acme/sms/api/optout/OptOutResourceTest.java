package com.acme.sms.api.optout;

import static com.acme.sms.api.Stores.creditedClient;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.acme.sms.api.StoreFaults;
import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Opt-outs as a client uses them: the list through /api/opt-outs, and acceptance refusing (and not charging) messages
 * to the numbers on it, atomically with the charge, even after Redis lost its copy.
 */
@QuarkusTest
class OptOutResourceTest {

    static final String A = "+4917012345";
    static final String B = "+4917098765";
    static final String C = "+4917055555";

    @Inject
    Stores stores;

    @Test
    void aNumberOptedOutIsListedReadAndRemovedAgain() {
        String client = creditedClient(5);
        put(client, A).then().statusCode(201)
                .body("number", equalTo(A)).body("source", equalTo("api")).body("created_at", notNullValue())
                .body("keyword", nullValue());
        put(client, A).then().statusCode(200).body("number", equalTo(A));
        // %2B is how a client that escapes '+' writes it
        given().header("X-Client-ID", client).urlEncodingEnabled(false).when().get("/api/opt-outs/%2B4917012345")
                .then().statusCode(200).body("number", equalTo(A));
        given().header("X-Client-ID", client).when().get("/api/opt-outs")
                .then().statusCode(200).body("opt_outs.number", contains(A)).body("next_cursor", nullValue());
        assertThat(stores.count("SELECT count(*) FROM opt_outs WHERE client_id = ?", client)).isEqualTo(1);

        given().header("X-Client-ID", client).when().delete("/api/opt-outs/" + A).then().statusCode(204);
        given().header("X-Client-ID", client).when().delete("/api/opt-outs/" + A)
                .then().statusCode(404).contentType("application/problem+json").body("code", equalTo("opt-out-not-found"));
        given().header("X-Client-ID", client).when().get("/api/opt-outs/" + A).then().statusCode(404);
        assertThat(stores.count("SELECT count(*) FROM opt_outs WHERE client_id = ?", client)).isZero();
        assertThat(stores.redis().set(String.class).sismember(RedisKeys.optOuts(client), A)).isFalse();
    }

    @Test
    void theListIsPagedByCursorInNumberOrder() {
        String client = creditedClient(5);
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String n = "+49170123450" + i;
            numbers.add(n);
            put(client, n).then().statusCode(201);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            var request = given().header("X-Client-ID", client).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            Response page = request.when().get("/api/opt-outs").then().statusCode(200).extract().response();
            seen.addAll(page.path("opt_outs.number"));
            cursor = page.path("next_cursor");
            pages++;
        } while (cursor != null && pages < 10);
        assertThat(seen).containsExactlyElementsOf(numbers);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void badNumbersLimitsAndCursorsAre400AndStoreNothing() {
        String client = creditedClient(5);
        for (String bad : List.of("4917012345", "+49", "+0017012345", "+4917012345x", "+49170123456789012", "%2B%2B1",
                "+49%E2%80%8B17012345")) {
            put(client, bad).then().statusCode(400).contentType("application/problem+json")
                    .body("code", equalTo("invalid-number"));
        }
        for (String limit : List.of("0", "1001", "-1", "x", "1e3")) {
            given().header("X-Client-ID", client).queryParam("limit", limit).when().get("/api/opt-outs")
                    .then().statusCode(400).body("code", equalTo("invalid-parameter"));
        }
        given().header("X-Client-ID", client).queryParam("cursor", "' or 1=1 --").when().get("/api/opt-outs")
                .then().statusCode(400).body("code", equalTo("invalid-parameter"));
        given().when().put("/api/opt-outs/" + A).then().statusCode(400).body("code", equalTo("missing-client-id"));
        assertThat(stores.count("SELECT count(*) FROM opt_outs WHERE client_id = ?", client)).isZero();
    }

    @Test
    void aMessageToAnOptedOutNumberIsRejectedAndNotChargedWhileTheOthersGoOnInOrder() {
        String client = creditedClient(1);
        put(client, B).then().statusCode(201);
        // A takes the one credit; B is opted out (charged nothing); C finds the balance spent.
        send(client, bulk(A, B, C)).then().statusCode(202)
                .body("accepted", equalTo(1)).body("rejected", equalTo(2)).body("balance", equalTo(0))
                .body("results.status", contains("queued", "rejected", "rejected"))
                .body("results.reason", contains(null, "opted_out", "insufficient_credit"));
        assertThat(stores.queued(MessageType.NORMAL, client)).extracting(m -> m.payload().get("to")).containsExactly(A);

        // With credit for both, the opted-out message does not use up C's.
        String rich = creditedClient(2);
        put(rich, B).then().statusCode(201);
        send(rich, bulk(A, B, C)).then().statusCode(202)
                .body("accepted", equalTo(2)).body("balance", equalTo(0))
                .body("results.reason", contains(null, "opted_out", null));
        assertThat(stores.queued(MessageType.NORMAL, rich)).extracting(m -> m.payload().get("to")).containsExactly(A, C);
    }

    @Test
    void whenEveryMessageIsOptedOutNothingIsChargedAndTheAnswerSaysWhy() {
        String client = creditedClient(5);
        put(client, A).then().statusCode(201);
        send(client, bulk(A, A)).then().statusCode(422).contentType("application/problem+json")
                .body("code", equalTo("no-valid-messages"))
                .body("results.reason", contains("opted_out", "opted_out"))
                .body("balance", equalTo(5));
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();

        // Opted back in, the same message is sent and charged.
        given().header("X-Client-ID", client).when().delete("/api/opt-outs/" + A).then().statusCode(204);
        send(client, bulk(A)).then().statusCode(202).body("accepted", equalTo(1)).body("balance", equalTo(4));
    }

    @Test
    void aReplayedRequestAnswersTheSameOptedOutResults() {
        String client = creditedClient(5);
        put(client, B).then().statusCode(201);
        Response first = send(client, bulk(A, B, C), "replay-" + client);
        first.then().statusCode(202).body("results.reason", contains(null, "opted_out", null));
        // Opting B back in after the first answer changes nothing about the replay: it is the first answer.
        given().header("X-Client-ID", client).when().delete("/api/opt-outs/" + B).then().statusCode(204);
        Response again = send(client, bulk(A, B, C), "replay-" + client);
        again.then().statusCode(202).header("Idempotent-Replayed", "true")
                .body("results.reason", contains(null, "opted_out", null));
        assertThat(again.<List<String>>path("results.id")).isEqualTo(first.<List<String>>path("results.id"));
        assertThat(stores.balanceKey(client)).isEqualTo("3");
    }

    @Test
    void afterRedisLostTheListTheNextSendLoadsItFromPostgresqlBeforeCharging() {
        String client = creditedClient(5);
        put(client, A).then().statusCode(201);
        // What a Redis restart without persistence, or a failover to a stale replica, leaves: no set at all.
        stores.redis().key().del(RedisKeys.optOuts(client));

        send(client, bulk(A, B)).then().statusCode(202)
                .body("accepted", equalTo(1)).body("results.reason", contains("opted_out", null));
        assertThat(stores.redis().set(String.class).smembers(RedisKeys.optOuts(client)))
                .containsExactlyInAnyOrder(A, RedisKeys.OPT_OUTS_LOADED);
        assertThat(stores.balanceKey(client)).isEqualTo("4");
    }

    @Test
    void theRebuildAfterRedisLostDataReloadsOptOutCopiesThatLookCompleteButAreStale() {
        String client = creditedClient(5);
        put(client, A).then().statusCode(201);
        send(client, bulk(A)).then().statusCode(422); // the copy is loaded and complete
        // Redis restored from a snapshot taken before the opt-out: the copy is marked complete but lacks A.
        stores.redis().set(String.class).srem(RedisKeys.optOuts(client), A);
        send(client, bulk(A)).then().statusCode(202).body("accepted", equalTo(1));

        stores.clearQueues(); // a rebuild waits for empty queues, and no worker runs here
        given().header("X-Admin-Key", "test-admin-key").when().post("/api/admin/reconciliation/rebuild")
                .then().statusCode(200);
        send(client, bulk(A)).then().statusCode(422).body("results[0].reason", equalTo("opted_out"));
    }

    @Test
    void whenTheListCannotBeLoadedTheSendIs503AndChargesNothing() throws Exception {
        String client = creditedClient(5);
        put(client, A).then().statusCode(201);
        stores.redis().key().del(RedisKeys.optOuts(client));
        try (AutoCloseable locked = StoreFaults.lockTable("opt_outs")) {
            send(client, bulk(B)).then().statusCode(503).contentType("application/problem+json");
            assertThat(stores.balanceKey(client)).isEqualTo("5");
            assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
        }
        // The load that waited for the table finishes; the list is complete again and enforced.
        send(client, bulk(A, B)).then().statusCode(202).body("accepted", equalTo(1))
                .body("results.reason", contains("opted_out", null));
    }

    @Test
    void anOptOutThatRedisCouldNotTakeIsNotRecordedAtAll() throws Exception {
        String client = creditedClient(5);
        StoreFaults.pauseRedis(8_000);
        try {
            put(client, A).then().statusCode(503).contentType("application/problem+json").header("Retry-After", notNullValue());
        } finally {
            StoreFaults.unpauseRedis();
        }
        // Rolled back in PostgreSQL, so the list never shows a number that acceptance would not refuse.
        assertThat(stores.count("SELECT count(*) FROM opt_outs WHERE client_id = ?", client)).isZero();
        send(client, bulk(A)).then().statusCode(202).body("accepted", equalTo(1));
    }

    @Test
    void oneClientsOptOutsDoNotTouchAnothers() {
        String one = creditedClient(5);
        String other = creditedClient(5);
        put(one, A).then().statusCode(201);
        send(other, bulk(A)).then().statusCode(202).body("accepted", equalTo(1));
        given().header("X-Client-ID", other).when().get("/api/opt-outs").then().statusCode(200).body("opt_outs", hasSize(0));
        given().header("X-Client-ID", other).when().delete("/api/opt-outs/" + A).then().statusCode(404);
        send(one, bulk(A)).then().statusCode(422).body("results[0].reason", equalTo("opted_out"));
    }

    static Response put(String client, String number) {
        return given().header("X-Client-ID", client).urlEncodingEnabled(false).when().put("/api/opt-outs/" + number);
    }

    static String bulk(String... numbers) {
        List<String> messages = new ArrayList<>();
        for (String n : numbers) {
            messages.add("{\"to\": \"" + n + "\", \"from\": \"App\", \"content\": \"Sale today\"}");
        }
        return "{\"messages\": [" + String.join(", ", messages) + "]}";
    }

    static Response send(String client, String body) {
        return given().header("X-Client-ID", client).contentType("application/json").body(body)
                .when().post("/api/messages/bulk/send");
    }

    static Response send(String client, String body, String idempotencyKey) {
        return given().header("X-Client-ID", client).header("Idempotency-Key", idempotencyKey)
                .contentType("application/json").body(body).when().post("/api/messages/bulk/send");
    }
}
