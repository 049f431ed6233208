package com.acme.sms.api.report;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GET /api/reports/usage reads the day counters the workers keep (usage_daily); they are written here directly. */
@QuarkusTest
class UsageReportResourceTest {

    static final List<String> COUNTERS = List.of("accepted", "sent", "delivered", "undelivered", "failed",
            "credits_charged", "credits_refunded");

    @Inject
    Stores stores;

    String client;
    String other;
    LocalDate today;

    @BeforeEach
    void counters() {
        client = Stores.newClient();
        other = Stores.newClient();
        today = LocalDate.now(ZoneOffset.UTC);
        // accepted, sent, delivered, undelivered, failed, charged, refunded
        counters(client, today, "normal", 10, 8, 6, 1, 2, 9, 3);
        counters(client, today, "express", 5, 5, 4, 1, 0, 5, 0);
        counters(client, today.minusDays(1), "normal", 100, 90, 80, 5, 10, 120, 15);
        counters(client, today.minusDays(29), "express", 7, 7, 7, 0, 0, 14, 0);
        counters(client, today.minusDays(30), "normal", 1000, 1000, 0, 0, 0, 1000, 0);
        counters(client, today.minusDays(400), "normal", 3, 3, 3, 0, 0, 3, 0);
        // The other client is busier on the same days; none of it may show.
        counters(other, today, "normal", 50_000, 50_000, 50_000, 0, 0, 50_000, 0);
        counters(other, today.minusDays(1), "express", 70_000, 1, 1, 0, 69_999, 1, 69_999);
    }

    @Test
    void theDaysCountersAndTheirTotalsExactlyAsKept() {
        JsonPath r = report(client, Map.of()).then().statusCode(200).extract().jsonPath();
        // The default: the 30 days ending today; the day before them is left out.
        assertThat(r.getString("from_date")).isEqualTo(today.minusDays(29).toString());
        assertThat(r.getString("to_date")).isEqualTo(today.toString());
        assertThat(r.getMap("$")).doesNotContainKey("type");
        List<Map<String, Object>> days = r.getList("days");
        assertThat(days).extracting(d -> d.get("day") + "/" + d.get("type")).containsExactly(
                today.minusDays(29) + "/express", today.minusDays(1) + "/normal", today + "/express",
                today + "/normal");
        assertThat(days.get(1)).containsEntry("accepted", 100).containsEntry("sent", 90).containsEntry("delivered", 80)
                .containsEntry("undelivered", 5).containsEntry("failed", 10).containsEntry("credits_charged", 120)
                .containsEntry("credits_refunded", 15);
        assertThat(r.getMap("totals")).containsExactlyInAnyOrderEntriesOf(Map.of("accepted", 122, "sent", 110,
                "delivered", 97, "undelivered", 7, "failed", 12, "credits_charged", 148, "credits_refunded", 18));
        // Each day's numbers are the row's, column for column.
        for (Map<String, Object> d : days) {
            for (String counter : COUNTERS) {
                assertThat(((Number) d.get(counter)).longValue()).as(d + " " + counter)
                        .isEqualTo(stores.count("SELECT " + counter + " FROM usage_daily WHERE client_id = ?"
                                + " AND day = ?::date AND type = ?", client, d.get("day"), d.get("type")));
            }
        }
    }

    @Test
    void filteredByTypeAndByDatesIncludedAtBothEnds() {
        report(client, Map.of("type", "EXPRESS")).then().statusCode(200)
                .body("type", equalTo("express"))
                .body("days.day", equalTo(List.of(today.minusDays(29).toString(), today.toString())))
                .body("totals.accepted", equalTo(12)).body("totals.credits_charged", equalTo(19));
        report(client, Map.of("from_date", today.minusDays(1).toString(), "to_date", today.minusDays(1).toString()))
                .then().statusCode(200)
                .body("days.size()", equalTo(1)).body("days[0].type", equalTo("normal"))
                .body("totals.sent", equalTo(90));
        report(client, Map.of("from_date", today.minusDays(30).toString(), "to_date", today.minusDays(29).toString(),
                "type", "normal")).then().statusCode(200)
                .body("from_date", equalTo(today.minusDays(30).toString()))
                .body("days.size()", equalTo(1)).body("totals.accepted", equalTo(1000));
        // A from_date alone runs to today; a to_date alone covers the 30 days ending then.
        report(client, Map.of("from_date", today.minusDays(400).toString())).then().statusCode(400)
                .body("code", equalTo("invalid-parameter"));
        report(client, Map.of("from_date", today.minusDays(365).toString())).then().statusCode(200)
                .body("to_date", equalTo(today.toString())).body("days.size()", equalTo(5))
                .body("totals.accepted", equalTo(1122));
        report(client, Map.of("to_date", today.minusDays(390).toString())).then().statusCode(200)
                .body("from_date", equalTo(today.minusDays(419).toString()))
                .body("days.size()", equalTo(1)).body("totals.accepted", equalTo(3));
        // Before any message, or in the future: nothing, and zero totals.
        report(client, Map.of("from_date", "2001-01-01", "to_date", "2001-12-31")).then().statusCode(200)
                .body("days.size()", equalTo(0)).body("totals.accepted", equalTo(0))
                .body("totals.credits_refunded", equalTo(0));
    }

    @Test
    void onlyTheCallersOwnCounters() {
        report(other, Map.of()).then().statusCode(200)
                .body("days.size()", equalTo(2)).body("totals.accepted", equalTo(120_000))
                .body("totals.failed", equalTo(69_999));
        report(Stores.newClient(), Map.of()).then().statusCode(200)
                .body("days.size()", equalTo(0))
                .body("totals.sent", equalTo(0));
    }

    /** What a worker counts for a sent message (Stores does what the worker does) is what the report shows. */
    @Test
    void messagesSentThroughTheApiShowUpOnceSent() {
        String sender = Stores.creditedClient(10);
        given().header("X-Client-ID", sender).header("X-SMS-TYPE", "express").contentType("application/json")
                .body("{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"a\"},"
                        + " {\"to\": \"+4917012346\", \"from\": \"App\", \"content\": \"b\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(202);
        report(sender, Map.of()).then().statusCode(200).body("days.size()", equalTo(0));
        stores.finishQueuedAsSent(MessageType.EXPRESS);
        // Sent just now: today, unless the day turned in between.
        report(sender, Map.of("from_date", today.toString(), "to_date", today.plusDays(1).toString()))
                .then().statusCode(200)
                .body("days.size()", equalTo(1)).body("days[0].type", equalTo("express"))
                .body("totals.accepted", equalTo(2)).body("totals.sent", equalTo(2))
                .body("totals.credits_charged", equalTo(2)).body("totals.failed", equalTo(0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"from_date=yesterday", "to_date=2026-13-01", "from_date=2026-02-30",
        "from_date=2026-11-25T10:00:00Z", "to_date=20261125", "from_date=%2B10000-01-01", "from_date=0000-12-31",
        "from_date=2026-1-5", "from_date=%D9%A2026-11-25", "from_date=2026-11-25&to_date=2026-11-24",
        "from_date=2025-01-01&to_date=2026-01-02", "type=urgent", "type=expre%C5%BFs", "type=normal,express",
        "from_date=2026-11-25&from_date=2026-11-26", "to_date=2026-11-25'%20OR%20'1'='1", "from_date=%00"})
    void invalidParametersAre400(String query) {
        given().header("X-Client-ID", client).urlEncodingEnabled(false).when().get("/api/reports/usage?" + query)
                .then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("invalid-parameter"));
    }

    @Test
    void aYearAndADayIsTheLongestRange() {
        report(client, Map.of("from_date", "2024-01-01", "to_date", "2024-12-31")).then().statusCode(200);
        report(client, Map.of("from_date", "2025-01-01", "to_date", "2026-01-01")).then().statusCode(200);
        report(client, Map.of("from_date", "2024-12-31", "to_date", "2026-01-01")).then().statusCode(400)
                .body("detail", equalTo("A report covers at most 366 days; ask for a longer time in parts."));
    }

    @Test
    void missingClientIs400() {
        given().when().get("/api/reports/usage").then().statusCode(400).body("code", equalTo("missing-client-id"));
    }

    private static io.restassured.response.Response report(String clientId, Map<String, String> params) {
        return given().header("X-Client-ID", clientId).queryParams(params).when().get("/api/reports/usage");
    }

    private void counters(String clientId, LocalDate day, String type, long accepted, long sent, long delivered,
            long undelivered, long failed, long charged, long refunded) {
        stores.execute("""
                INSERT INTO usage_daily (client_id, day, type, accepted, sent, delivered, undelivered, failed,
                                         credits_charged, credits_refunded)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", clientId, day, type, accepted, sent, delivered, undelivered,
                failed, charged, refunded);
    }
}
