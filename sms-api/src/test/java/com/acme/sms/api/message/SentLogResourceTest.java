package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import com.acme.sms.api.Management;
import com.acme.sms.api.Stores;
import com.acme.sms.message.UuidV7;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The sent-log reads what workers wrote; rows are written here as a worker would write them. */
@QuarkusTest
class SentLogResourceTest {

    @Inject
    Stores stores;

    String client;
    String other;
    UUID newest;
    UUID othersMessage;

    @BeforeEach
    void rows() {
        client = Stores.newClient();
        other = Stores.newClient();
        // 25 messages over three days: day 1 (23rd) 5 normal sent, day 2 (24th) 10 express (7 sent, 3 failed),
        // day 3 (25th) 10 normal sent; queued one minute apart.
        OffsetDateTime day1 = OffsetDateTime.of(2026, 11, 23, 10, 0, 0, 0, ZoneOffset.UTC);
        for (int i = 0; i < 5; i++) {
            insert(client, "normal", "sent", day1.plusMinutes(i));
        }
        OffsetDateTime day2 = day1.plusDays(1);
        for (int i = 0; i < 10; i++) {
            insert(client, "express", i < 7 ? "sent" : "failed", day2.plusMinutes(i));
        }
        OffsetDateTime day3 = day2.plusDays(1);
        for (int i = 0; i < 10; i++) {
            newest = insert(client, "normal", "sent", day3.plusMinutes(i));
        }
        othersMessage = insert(other, "normal", "sent", day3);
    }

    @Test
    void newestFirstWithPagesAndTotals() {
        given().header("X-Client-ID", client).when().get("/api/messages/sent-log")
                .then().statusCode(200)
                .body("page", equalTo(1))
                .body("page_size", equalTo(20))
                .body("total", equalTo(25))
                .body("total_pages", equalTo(2))
                .body("messages", hasSize(20))
                .body("messages[0].id", equalTo(newest.toString()))
                .body("messages[0].to", equalTo("+4917012345"))
                .body("messages[0].from", equalTo("App"))
                .body("messages[0].content", equalTo("hello"))
                .body("messages[0].status", equalTo("sent"))
                .body("messages[0].type", equalTo("normal"))
                .body("messages[0].queued_at", equalTo("2026-11-25T10:09:00Z"));
        given().header("X-Client-ID", client).queryParam("page", 2).when().get("/api/messages/sent-log")
                .then().statusCode(200).body("messages", hasSize(5)).body("total", equalTo(25))
                .body("messages[4].queued_at", equalTo("2026-11-23T10:00:00Z"));
        given().header("X-Client-ID", client).queryParam("page", 3).queryParam("page_size", 10).when()
                .get("/api/messages/sent-log")
                .then().statusCode(200).body("messages", hasSize(5)).body("total_pages", equalTo(3));
        given().header("X-Client-ID", client).queryParam("page", 9).when().get("/api/messages/sent-log")
                .then().statusCode(200).body("messages", empty()).body("total", equalTo(25));
    }

    @Test
    void filtersByStatusTypeAndDates() {
        given().header("X-Client-ID", client).queryParam("status", "failed").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(3))
                .body("messages.status", everyItem(equalTo("failed")))
                .body("messages.error_message", everyItem(equalTo("recipient rejected")));
        given().header("X-Client-ID", client).queryParam("status", "sent").queryParam("type", "EXPRESS")
                .queryParam("page", 1).queryParam("page_size", 10)
                .when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(7)).body("messages.type", everyItem(equalTo("express")));
        // a date as to_date includes that whole day
        given().header("X-Client-ID", client).queryParam("from_date", "2026-11-24").queryParam("to_date", "2026-11-24")
                .when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(10));
        given().header("X-Client-ID", client).queryParam("to_date", "2026-11-23")
                .when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(5));
        // date-times are exact, inclusive at both ends
        given().header("X-Client-ID", client)
                .queryParam("from_date", "2026-11-25T10:02:00Z").queryParam("to_date", "2026-11-25T10:04:00Z")
                .when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(3))
                .body("messages.queued_at", contains("2026-11-25T10:04:00Z", "2026-11-25T10:03:00Z", "2026-11-25T10:02:00Z"));
        given().header("X-Client-ID", client).queryParam("status", "queued").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void repeatedReadsAreServedFromTheCacheForAShortWhile() {
        given().header("X-Client-ID", client).queryParam("status", "failed").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(3));
        insert(client, "express", "failed", OffsetDateTime.of(2026, 11, 25, 12, 0, 0, 0, ZoneOffset.UTC));
        // Within the cache period the same page is answered from memory...
        given().header("X-Client-ID", client).queryParam("status", "failed").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(3));
        // ...another page or filter is read fresh...
        given().header("X-Client-ID", client).queryParam("status", "failed").queryParam("page_size", 50)
                .when().get("/api/messages/sent-log").then().statusCode(200).body("total", equalTo(4));
        // ...and the cached one catches up once its period is over.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .untilAsserted(() -> given().header("X-Client-ID", client).queryParam("status", "failed").when()
                        .get("/api/messages/sent-log")
                        .then().statusCode(200).body("total", equalTo(4)));
        Management.given().when().get("/q/metrics").then()
                .body(org.hamcrest.Matchers.containsString("sms_sentlog_cache_total{result=\"hit\"}"));
    }

    @Test
    void onlyTheCallersOwnMessages() {
        given().header("X-Client-ID", other).when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(1)).body("messages[0].id", equalTo(othersMessage.toString()));
        given().header("X-Client-ID", Stores.newClient()).when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(0)).body("total_pages", equalTo(0));
    }

    @Test
    void oneMessageByIdOnlyForItsOwner() {
        given().header("X-Client-ID", client).when().get("/api/messages/" + newest)
                .then().statusCode(200).body("id", equalTo(newest.toString())).body("status", equalTo("sent"));
        given().header("X-Client-ID", client).when().get("/api/messages/" + othersMessage)
                .then().statusCode(404).contentType("application/problem+json").body("code", equalTo("message-not-found"));
        given().header("X-Client-ID", client).when().get("/api/messages/" + UUID.randomUUID())
                .then().statusCode(404).body("code", equalTo("message-not-found"));
        given().header("X-Client-ID", client).when().get("/api/messages/not-a-uuid")
                .then().statusCode(400).body("code", equalTo("invalid-id"));
        given().when().get("/api/messages/" + newest).then().statusCode(400).body("code", equalTo("missing-client-id"));
    }

    @Test
    void receiptsShowAsDeliveredOrUndeliveredWithTheCarriersIdsAndCodes() {
        OffsetDateTime at = OffsetDateTime.of(2026, 11, 26, 9, 0, 0, 0, ZoneOffset.UTC);
        UUID delivered = insert(client, "express", "sent", at);
        stores.execute("UPDATE messages SET segments = 2, provider_message_id = 'smsc-1f' WHERE id = ?", delivered);
        stores.execute("INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, client_id, type)"
                + " SELECT id, queued_at, 'delivered', ?, client_id, type FROM messages WHERE id = ?", at.plusMinutes(1),
                delivered);
        UUID undelivered = insert(client, "normal", "sent", at.plusMinutes(2));
        stores.execute("UPDATE messages SET provider_message_id = 'smsc-20' WHERE id = ?", undelivered);
        stores.execute("""
                INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, error_code, error_message,
                                              client_id, type)
                SELECT id, queued_at, 'undelivered', ?, '001', 'receipt: UNDELIV (err 001)', client_id, type
                FROM messages WHERE id = ?""", at.plusMinutes(3), undelivered);

        given().header("X-Client-ID", client).queryParam("status", "delivered").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(1))
                .body("messages[0].id", equalTo(delivered.toString()))
                .body("messages[0].segments", equalTo(2))
                .body("messages[0].provider_message_id", equalTo("smsc-1f"))
                .body("messages[0].delivered_at", equalTo("2026-11-26T09:01:00Z"))
                .body("messages[0].error_code", equalTo(null));
        given().header("X-Client-ID", client).queryParam("status", "UNDELIVERED").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(1))
                .body("messages[0].id", equalTo(undelivered.toString()));
        given().header("X-Client-ID", client).when().get("/api/messages/" + undelivered)
                .then().statusCode(200).body("status", equalTo("undelivered"))
                .body("error_code", equalTo("001"))
                .body("error_message", equalTo("receipt: UNDELIV (err 001)"))
                .body("delivered_at", equalTo("2026-11-26T09:03:00Z"))
                .body("segments", equalTo(1));
        given().header("X-Client-ID", client).queryParam("status", "sent").when().get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(22));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "status=dispatched", "type=urgent", "page=0", "page=-1", "page=abc", "page=1.5", "page=99999999999",
        "page_size=0", "page_size=101", "page_size=1000000", "from_date=yesterday", "to_date=2026-13-01",
        "from_date=2026-11-25&to_date=2026-11-24", "status=sent'%20OR%20'1'='1", "from_date=2026-11-25T10:00:00Z%3BDROP",
        "page_size=%00", "type=%0D%0Aexpress"
    })
    void invalidParametersAre400(String query) {
        given().header("X-Client-ID", client).urlEncodingEnabled(false).when().get("/api/messages/sent-log?" + query)
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid-parameter"));
    }

    @Test
    void missingClientIs400() {
        given().when().get("/api/messages/sent-log").then().statusCode(400).body("code", equalTo("missing-client-id"));
    }

    /** A row as a worker writes it: its queued_at is the time in its id (V10). */
    private UUID insert(String clientId, String type, String status, OffsetDateTime queuedAt) {
        UUID id = UuidV7.at(queuedAt.toInstant(), 0);
        stores.execute(
                """
                        INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at, error_message)
                        VALUES (?, ?, ?, '+4917012345', 'App', 'hello', ?, ?, ?, ?)""",
                id, clientId, type, status, queuedAt, queuedAt.plusSeconds(1),
                "failed".equals(status) ? "recipient rejected" : null);
        return id;
    }
}
