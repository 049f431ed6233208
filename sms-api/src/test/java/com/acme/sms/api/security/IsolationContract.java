package com.acme.sms.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.redis.RedisKeys;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One client can never read, send for or change another client's messages or credit, whatever headers, ids or
 * query parameters it tries. The same tests run in both modes (subclasses say how a client identifies itself).
 *
 * <p>In header mode a client is whoever it says it is in X-Client-ID (that is the mode's documented trust, for
 * local use); the attacker there identifies as itself and tries everything else. In jwt mode it also names the
 * victim in every header it can.
 */
abstract class IsolationContract {

    static final String ONE = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"mine\"}]}";

    @Inject
    Stores stores;

    String attacker;
    String victim;
    UUID victimsMessage;
    String victimBefore;

    /** A request of {@code client}, identified the way the mode wants. */
    abstract RequestSpecification as(String client);

    /** A new client with this much credit. */
    abstract String credited(int credit);

    /** Ways an attacker identified as itself may try to point a request at the victim. */
    List<UnaryOperator<RequestSpecification>> tricks() {
        return List.of(
                r -> r,
                r -> r.queryParam("client_id", victim).queryParam("client", victim),
                r -> r.header("X-Forwarded-User", victim).header("X-User", victim).header("X-Client", victim),
                r -> r.header("X_Client_ID", victim),
                r -> r.header("X-Client-Id", victim.toUpperCase()),
                r -> r.header("Forwarded", "for=" + victim).header("X-Original-URL", "/api/credit?client=" + victim));
    }

    @BeforeEach
    void twoClients() {
        attacker = credited(3);
        victim = credited(50);
        victimsMessage = UuidV7.next();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        stores.execute("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                VALUES (?, ?, 'normal', '+4917012345', 'App', 'secret of the victim', 'sent', sms_uuid_v7_time(?), ?)""",
                victimsMessage, victim, victimsMessage, now);
        victimBefore = stores.footprint(victim);
    }

    void assertVictimUntouched() {
        assertThat(stores.footprint(victim)).isEqualTo(victimBefore);
        assertThat(stores.queued(MessageType.NORMAL, victim)).isEmpty();
        assertThat(stores.queued(MessageType.EXPRESS, victim)).isEmpty();
    }

    @Test
    void cannotReadChangeOrBeBlockedByAnotherClientsOptOuts() {
        String optedOut = "+4917055555";
        as(victim).urlEncodingEnabled(false).when().put("/api/opt-outs/" + optedOut).then().statusCode(201);
        victimBefore = stores.footprint(victim);
        for (UnaryOperator<RequestSpecification> trick : tricks()) {
            Response list = trick.apply(as(attacker)).when().get("/api/opt-outs");
            if (list.statusCode() == 200) {
                assertThat(list.<List<String>>path("opt_outs.number")).doesNotContain(optedOut);
            } else {
                assertThat(list.statusCode()).isBetween(400, 499);
            }
            Response one = trick.apply(as(attacker)).urlEncodingEnabled(false).when().get("/api/opt-outs/" + optedOut);
            assertThat(one.statusCode()).isBetween(400, 499);
            Response remove = trick.apply(as(attacker)).urlEncodingEnabled(false).when()
                    .delete("/api/opt-outs/" + optedOut);
            assertThat(remove.statusCode()).isBetween(400, 499);
            trick.apply(as(attacker)).urlEncodingEnabled(false).when().put("/api/opt-outs/+4917066666");
        }
        assertVictimUntouched();
        // The victim's opt-out blocks the victim's messages only.
        as(attacker).contentType("application/json")
                .body("{\"messages\": [{\"to\": \"" + optedOut + "\", \"from\": \"App\", \"content\": \"hi\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(202).body("accepted", equalTo(1));
    }

    @Test
    void cannotReadAnotherClientsCredit() {
        for (UnaryOperator<RequestSpecification> trick : tricks()) {
            Response r = trick.apply(as(attacker)).when().get("/api/credit");
            if (r.statusCode() == 200) {
                assertThat(r.<String>path("client_id")).isNotEqualTo(victim);
                assertThat(r.<Integer>path("balance")).isNotEqualTo(50);
            } else {
                assertThat(r.statusCode()).isBetween(400, 499);
                assertThat(r.contentType()).startsWith("application/problem+json");
            }
        }
    }

    @Test
    void cannotReadAnotherClientsMessages() {
        for (UnaryOperator<RequestSpecification> trick : tricks()) {
            Response one = trick.apply(as(attacker)).when().get("/api/messages/" + victimsMessage);
            assertThat(one.statusCode()).isBetween(400, 499);
            assertThat(one.asString()).doesNotContain("secret of the victim");

            Response log = trick.apply(as(attacker)).queryParam("page_size", 100).when().get("/api/messages/sent-log");
            assertThat(log.asString()).doesNotContain("secret of the victim").doesNotContain(victimsMessage.toString());
        }
        // the id in upper case, with braces, or URL-encoded path tricks
        for (String path : List.of(victimsMessage.toString().toUpperCase(), "%7B" + victimsMessage + "%7D",
                victimsMessage + "%00", "..%2F" + victimsMessage, victimsMessage + "?client_id=" + victim)) {
            Response r = as(attacker).urlEncodingEnabled(false).when().get("/api/messages/" + path);
            assertThat(r.statusCode()).isBetween(400, 499);
            assertThat(r.asString()).doesNotContain("secret of the victim");
        }
        assertVictimUntouched();
    }

    @Test
    void cannotSendForAnotherClient() {
        for (UnaryOperator<RequestSpecification> trick : tricks()) {
            Response r = trick.apply(as(attacker)).contentType("application/json")
                    .body("{\"client_id\": \"" + victim + "\", \"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", "
                            + "\"content\": \"mine\", \"client_id\": \"" + victim + "\"}]}")
                    .when().post("/api/messages/bulk/send");
            assertThat(r.statusCode()).isBetween(202, 499);
        }
        assertVictimUntouched();
        // whatever was accepted was charged to, and queued for, the attacker
        stores.queued(MessageType.NORMAL, attacker).forEach(m -> assertThat(m.payload()).containsEntry("c", attacker));
    }

    @Test
    void anIdempotencyKeyOfAnotherClientReplaysNothingOfIt() {
        String key = "shared-" + UUID.randomUUID();
        Response victims = as(victim).header("Idempotency-Key", key).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send");
        victims.then().statusCode(202);
        String victimsId = victims.path("results[0].id");
        Response attackers = as(attacker).header("Idempotency-Key", key).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send");
        attackers.then().statusCode(202).header("Idempotent-Replayed", (String) null);
        assertThat(attackers.<String>path("results[0].id")).isNotEqualTo(victimsId);
        assertThat(stores.balanceKey(victim)).isEqualTo("49");
    }

    @Test
    void cannotChangeAnotherClientsCredit() {
        for (UnaryOperator<RequestSpecification> trick : tricks()) {
            Response r = trick.apply(as(attacker)).contentType("application/json")
                    .body("{\"client_id\": \"" + victim + "\", \"name\": \"pwned\", \"balance\": 1000}")
                    .when().post("/api/credit/increase");
            assertThat(r.statusCode()).isIn(200, 400, 401, 403);
            if (r.statusCode() == 200) {
                assertThat(r.<String>path("client_id")).isNotEqualTo(victim);
            }
        }
        assertVictimUntouched();
    }

    @Test
    void cannotUseTheAdminEndpoints() {
        String entry = stores.redis().stream(String.class).xadd(RedisKeys.deadLetterKey(MessageType.NORMAL),
                Map.of("id", UuidV7.next().toString(), "c", victim, "to", "+4917012345", "f", "App", "b", "x", "q", "1"));
        for (UnaryOperator<RequestSpecification> trick : tricks()) {
            for (Response r : List.of(
                    trick.apply(as(attacker)).when().post("/api/admin/dead-letters/normal/" + entry + "/requeue"),
                    trick.apply(as(attacker)).when().delete("/api/admin/dead-letters/normal/" + entry),
                    trick.apply(as(attacker)).when().post("/api/admin/reconciliation/rebuild"),
                    trick.apply(as(attacker)).queryParam("client", victim).when().get("/api/admin/reconciliation"))) {
                // 401/403; or 400 where a trick repeats a query parameter, which is refused before anything else
                assertThat(r.statusCode()).isIn(400, 401, 403);
                assertThat(r.contentType()).startsWith("application/problem+json");
            }
        }
        assertThat(stores.redis().stream(String.class).xrange(RedisKeys.deadLetterKey(MessageType.NORMAL),
                io.quarkus.redis.datasource.stream.StreamRange.of(entry, entry))).hasSize(1);
        assertVictimUntouched();
    }

    @Test
    void theVictimStillSeesItsOwn() {
        as(victim).when().get("/api/messages/" + victimsMessage).then().statusCode(200)
                .body("content", equalTo("secret of the victim"));
        as(victim).when().get("/api/credit").then().statusCode(200).body("balance", equalTo(50));
    }
}
