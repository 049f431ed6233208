package com.acme.sms.api.message;

import static com.acme.sms.api.Stores.creditedClient;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scheduled sends: charged at acceptance, waiting in the schedule, queued when due (by the workers' promotion, run
 * here directly), cancellable until then with their credits back exactly once.
 */
@QuarkusTest
class ScheduledSendTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Stores stores;

    @Inject
    QueueScripts queue;

    @BeforeEach
    void emptySchedules() {
        for (MessageType type : MessageType.values()) {
            stores.redis().key().del(RedisKeys.retryKey(type), RedisKeys.scheduledIndex(type),
                    RedisKeys.scheduledQueued(type));
        }
    }

    @Test
    void aScheduledMessageIsChargedNowShownAsScheduledAndQueuedOnlyWhenDue() {
        String client = creditedClient(10);
        Instant at = Instant.now().plus(Duration.ofMinutes(10));
        Response r = send(client, "express", at.toString(), "a".repeat(200));
        r.then().statusCode(202).body("accepted", equalTo(1)).body("charged", equalTo(2)).body("balance", equalTo(8))
                .body("send_at", notNullValue()).body("results[0].status", equalTo("scheduled"));
        String id = r.path("results[0].id");
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
        given().header("X-Client-ID", client).when().get("/api/messages/" + id).then().statusCode(200)
                .body("status", equalTo("scheduled")).body("credits", equalTo(2)).body("send_at", notNullValue());
        // Charged and waiting: reconciliation counts its credits as queued.
        given().header("X-Admin-Key", "test-admin-key").queryParam("client", client).queryParam("all", true)
                .when().get("/api/admin/reconciliation").then().statusCode(200)
                .body("clients[0].queued", equalTo(2)).body("clients[0].drift", equalTo(0));

        // Not due: the promotion leaves it.
        queue.moveDueRetries(MessageType.EXPRESS, 100).await().atMost(WAIT);
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();

        // Its time comes (the schedule's score says when): it enters the stream, its validity counted from then.
        makeDue(MessageType.EXPRESS);
        assertThat(queue.moveDueRetries(MessageType.EXPRESS, 100).await().atMost(WAIT)).isEqualTo(1);
        Map<String, String> entry = stores.queued(MessageType.EXPRESS, client).get(0).payload();
        assertThat(entry).containsEntry("id", id).containsEntry("u", "2").containsKey("s");
        assertThat(Long.parseLong(entry.get("x")) - Long.parseLong(entry.get("s"))).isEqualTo(300_000);
        assertThat(Long.parseLong(entry.get("q"))).isGreaterThan(Instant.now().minusSeconds(60).toEpochMilli());

        // Too late to cancel now.
        cancel(client, id).then().statusCode(409).body("code", equalTo("not-cancellable"));
        assertThat(stores.balanceKey(client)).isEqualTo("8");
    }

    @Test
    void aCancelGivesTheCreditsBackOnce() {
        String client = creditedClient(10);
        String id = send(client, "normal", Instant.now().plus(Duration.ofHours(2)).toString(), "Ж".repeat(100))
                .then().statusCode(202).body("charged", equalTo(2)).extract().path("results[0].id");
        cancel(client, id).then().statusCode(200).body("status", equalTo("cancelled")).body("refunded", equalTo(2))
                .body("balance", equalTo(10));
        assertThat(stores.balanceKey(client)).isEqualTo("10");
        cancel(client, id).then().statusCode(404);
        assertThat(stores.balanceKey(client)).isEqualTo("10");
        given().header("X-Client-ID", client).when().get("/api/messages/" + id).then().statusCode(404);
        makeDue(MessageType.NORMAL);
        assertThat(queue.moveDueRetries(MessageType.NORMAL, 100).await().atMost(WAIT)).isZero();
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
    }

    @Test
    void anotherClientCanNeitherSeeNorCancelIt() {
        String owner = creditedClient(5);
        String other = creditedClient(5);
        String id = send(owner, "normal", Instant.now().plus(Duration.ofHours(1)).toString(), "hi")
                .then().statusCode(202).extract().path("results[0].id");
        cancel(other, id).then().statusCode(404);
        given().header("X-Client-ID", other).when().get("/api/messages/" + id).then().statusCode(404);
        assertThat(stores.balanceKey(owner)).isEqualTo("4");
        assertThat(stores.balanceKey(other)).isEqualTo("5");
    }

    @Test
    void aBadSendAtIs400AndChargesNothing() {
        String client = creditedClient(5);
        for (String bad : List.of(Instant.now().minusSeconds(60).toString(), Instant.now().plusSeconds(30).toString(),
                Instant.now().plus(Duration.ofDays(36)).toString(), "tomorrow", "2026-12-24T09:00:00", "")) {
            send(client, "normal", bad, "hi").then().statusCode(400).body("code", equalTo("invalid-send-at"));
        }
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.redis().key().exists(RedisKeys.retryKey(MessageType.NORMAL))).isFalse();
    }

    @Test
    void cancelsRacingTheDueMomentEitherCancelOrQueueEachMessageNeverBoth() throws Exception {
        String client = creditedClient(100);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<String> contents = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                contents.add("race " + i + " " + k);
            }
            ids.addAll(send(client, "normal", Instant.now().plus(Duration.ofMinutes(5)).toString(),
                    contents.toArray(String[]::new)).then().statusCode(202).extract().<List<String>>path("results.id"));
        }
        makeDue(MessageType.NORMAL);
        AtomicInteger cancelled = new AtomicInteger();
        CompletableFuture<Void> cancels = CompletableFuture.runAsync(() -> {
            for (String id : ids) {
                int status = cancel(client, id).statusCode();
                assertThat(status).isIn(200, 409);
                if (status == 200) {
                    cancelled.incrementAndGet();
                }
            }
        });
        int moved = 0;
        while (!cancels.isDone()) {
            moved += queue.moveDueRetries(MessageType.NORMAL, 3).await().atMost(WAIT);
        }
        cancels.get();
        moved += queue.moveDueRetries(MessageType.NORMAL, 100).await().atMost(WAIT);
        assertThat(moved + cancelled.get()).as("each message queued or cancelled, once").isEqualTo(ids.size());
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(moved);
        assertThat(stores.balanceKey(client)).isEqualTo(Integer.toString(100 - ids.size() + cancelled.get()));
    }

    @Test
    void aRepeatedRequestWithItsKeyIsAnsweredAsScheduledAndChargedOnce() {
        String client = creditedClient(5);
        String at = Instant.now().plus(Duration.ofMinutes(30)).toString();
        String body = "{\"send_at\": \"" + at + "\", \"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", "
                + "\"content\": \"later\"}]}";
        String first = given().header("X-Client-ID", client).header("Idempotency-Key", "sched-" + client)
                .contentType("application/json").body(body).when().post("/api/messages/bulk/send")
                .then().statusCode(202).extract().path("results[0].id");
        given().header("X-Client-ID", client).header("Idempotency-Key", "sched-" + client).contentType("application/json")
                .body(body).when().post("/api/messages/bulk/send").then().statusCode(202)
                .header("Idempotent-Replayed", "true").body("results[0].status", equalTo("scheduled"))
                .body("results[0].id", equalTo(first));
        assertThat(stores.balanceKey(client)).isEqualTo("4");
    }

    /** Sets every scheduled entry of the type due now, as if its time had come. */
    private void makeDue(MessageType type) {
        var schedule = stores.redis().sortedSet(String.class);
        for (String member : schedule.zrange(RedisKeys.retryKey(type), 0, -1)) {
            schedule.zadd(RedisKeys.retryKey(type), 0, member);
        }
    }

    static Response send(String client, String type, String sendAt, String... contents) {
        List<String> messages = new ArrayList<>();
        for (String c : contents) {
            messages.add("{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"" + c + "\"}");
        }
        return given().header("X-Client-ID", client).header("X-SMS-TYPE", type).contentType("application/json")
                .body("{\"send_at\": \"" + sendAt + "\", \"messages\": [" + String.join(", ", messages) + "]}")
                .when().post("/api/messages/bulk/send");
    }

    static Response cancel(String client, String id) {
        return given().header("X-Client-ID", client).when().post("/api/messages/" + id + "/cancel");
    }
}
