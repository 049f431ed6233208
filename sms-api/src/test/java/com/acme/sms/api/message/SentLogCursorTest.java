package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.acme.sms.api.Stores;
import com.acme.sms.message.UuidV7;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading the sent-log page after page with cursors, and its totals. Rows are written as a worker writes them: the
 * queued_at of each is the time in its UUIDv7 id (V10).
 */
@QuarkusTest
class SentLogCursorTest {

    static final String LOG = "/api/messages/sent-log";
    /** As PostgreSQL orders uuids: by their bytes, unsigned. */
    static final Comparator<UUID> UUID_ORDER = Comparator
            .<UUID, Long>comparing(UUID::getMostSignificantBits, Long::compareUnsigned)
            .thenComparing(UUID::getLeastSignificantBits, Long::compareUnsigned);
    static final Comparator<Row> NEWEST_FIRST = Comparator.comparing(Row::queuedAt)
            .thenComparing(Row::id, UUID_ORDER).reversed();

    /** A message as the client sees it. */
    record Row(UUID id, Instant queuedAt, String type, String status) {}

    @Inject
    Stores stores;

    String client;
    List<Row> rows;

    @BeforeEach
    void rows() {
        client = Stores.newClient();
        rows = new ArrayList<>();
        // 61 messages from 22:00 on the 20th into the 23rd (UTC), 71 minutes apart, in every status and both types;
        // every seventh has a twin in the same millisecond, which only the id orders.
        Instant start = Instant.parse("2026-11-20T22:00:00Z");
        String[] statuses = {"delivered", "undelivered", "sent", "failed", "queued"};
        for (int i = 0; i < 61; i++) {
            Instant at = start.plus(Duration.ofMinutes(71L * i)).plusMillis(i);
            String type = i % 2 == 0 ? "express" : "normal";
            rows.add(insert(client, UuidV7.at(at, 0), type, statuses[i % 5]));
            if (i % 7 == 0) {
                rows.add(insert(client, UuidV7.at(at, 1), type, statuses[(i + 1) % 5]));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "status=delivered", "status=undelivered", "status=sent", "status=failed",
        "status=queued", "type=normal", "type=EXPRESS", "from_date=2026-11-21&to_date=2026-11-21",
        "from_date=2026-11-21T10:15:00Z&to_date=2026-11-22T23:00:00Z", "to_date=2026-11-21",
        "status=delivered&type=express&from_date=2026-11-21", "status=sent&type=normal&to_date=2026-11-22T12:00:00Z",
        "from_date=2026-11-24"})
    void walkingTheCursorsGivesEveryMessageOnceInOrder(String query) {
        Map<String, String> params = params(query);
        List<String> expected = expected(params);
        for (int pageSize : new int[] {1, 7, 100}) {
            assertThat(walk(client, params, pageSize)).as("page_size %d", pageSize).isEqualTo(expected);
        }
    }

    /**
     * A page is read from the newest days that the day's counters say hold enough of the filter's messages. The
     * counters only choose where to start: whatever they say, even when they are wrong (rows written without them,
     * or counts that have no rows), every page has the right messages.
     */
    @Test
    void pagesAreRightWhateverTheDailyCountersSay() {
        List<String> counterSets = List.of(
                // as the workers keep them
                "SELECT ?, (m.queued_at AT TIME ZONE 'UTC')::date, m.type, count(*),"
                        + " count(*) FILTER (WHERE m.status = 'sent'), count(*) FILTER (WHERE m.status = 'failed'),"
                        + " count(o.outcome) FILTER (WHERE o.outcome = 'delivered'),"
                        + " count(o.outcome) FILTER (WHERE o.outcome = 'undelivered')"
                        + " FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id"
                        + " AND o.queued_at = m.queued_at WHERE m.client_id = ? GROUP BY 2, 3",
                // far more than there are, on a day with no message at all: the page must look further
                "SELECT ?, date '2026-11-24', t, 1000, 500, 300, 200, 100 FROM (VALUES ('normal'), ('express')) v(t)"
                        + " WHERE ? IS NOT NULL",
                // the older days overstated, the newest understated
                "SELECT ?, d, t, 40, 20, 10, 5, 5 FROM (VALUES (date '2026-11-21'), (date '2026-11-22')) v(d),"
                        + " (VALUES ('normal'), ('express')) w(t) WHERE ? IS NOT NULL",
                // one message a day: never enough for a page, so the whole range is read
                "SELECT ?, date '2026-11-22', 'normal', 1, 1, 0, 0, 0 WHERE ? IS NOT NULL");
        for (String counters : counterSets) {
            stores.execute("DELETE FROM usage_daily WHERE client_id = ?", client);
            stores.execute("INSERT INTO usage_daily (client_id, day, type, accepted, sent, failed, delivered,"
                    + " undelivered) " + counters, client, client);
            for (String query : List.of("", "status=failed", "status=delivered", "type=normal",
                    "from_date=2026-11-21T10:15:00Z&to_date=2026-11-22T23:00:00Z")) {
                Map<String, String> params = params(query);
                List<String> expected = expected(params);
                for (int pageSize : new int[] {1, 7}) {
                    assertThat(walk(client, params, pageSize)).as("%s, page_size %d, counters %s", query, pageSize,
                            counters).isEqualTo(expected);
                }
                // by page number: rows skipped are counted within the days read
                int deep = Math.max(0, expected.size() - 5);
                page(client, with(with(params, "page_size", "5"), "page", Integer.toString(deep / 5 + 1)))
                        .body("messages.id", equalTo(expected.subList(deep / 5 * 5, Math.min(expected.size(),
                                deep / 5 * 5 + 5))));
            }
        }
    }

    @Test
    void aMessageWrittenMeanwhileDoesNotShiftTheNextPage() {
        List<String> all = expected(Map.of());
        JsonPath first = page(client, Map.of("page_size", "10")).extract().jsonPath();
        String cursor = first.getString("next_cursor");
        assertThat(first.getList("messages.id")).isEqualTo(all.subList(0, 10));

        // a newer message, and one written late among the first page's (a worker that was behind)
        insert(client, UuidV7.at(Instant.parse("2026-11-24T09:00:00Z"), 0), "normal", "sent");
        insert(client, UuidV7.at(rows.stream().sorted(NEWEST_FIRST).toList().get(4).queuedAt().plusMillis(1), 0),
                "normal", "sent");

        page(client, Map.of("page_size", "10", "cursor", cursor))
                .body("page", equalTo(2))
                .body("messages.id", equalTo(all.subList(10, 20)))
                .body("total", equalTo(all.size() + 2));
        // page= counts from the newest: the same page has moved by the two messages
        page(client, Map.of("page_size", "10", "page", "2"))
                .body("messages[2].id", equalTo(all.get(10)));
    }

    @Test
    void pageAndPageSizeWorkAsBeforeAndLeadOnToCursors() {
        List<String> all = expected(Map.of());
        page(client, Map.of("page", "3", "page_size", "10"))
                .body("page", equalTo(3)).body("page_size", equalTo(10))
                .body("total", equalTo(all.size())).body("total_exact", equalTo(true))
                .body("total_pages", equalTo((all.size() + 9) / 10))
                .body("messages.id", equalTo(all.subList(20, 30)));
        String cursor = page(client, Map.of("page", "3", "page_size", "10")).extract().path("next_cursor");
        page(client, Map.of("cursor", cursor, "page_size", "10"))
                .body("page", equalTo(4)).body("messages.id", equalTo(all.subList(30, 40)));
        // the last page by number has no next cursor; past it, nothing
        page(client, Map.of("page", "7", "page_size", "10"))
                .body("messages", hasSize(all.size() - 60)).body("next_cursor", nullValue());
        page(client, Map.of("page", "8", "page_size", "10"))
                .body("messages", hasSize(0)).body("next_cursor", nullValue()).body("total", equalTo(all.size()));
    }

    @Test
    void aCursorOnlyWorksForItsClientAndItsFilters() {
        Map<String, String> filters = params("status=sent&type=normal&from_date=2026-11-20&to_date=2026-11-23");
        String cursor = next(client, with(filters, "page_size", "2"));
        assertThat(cursor).isNotNull();
        page(client, with(with(filters, "page_size", "2"), "cursor", cursor)).body("page", equalTo(2));

        String other = Stores.newClient();
        insert(other, UuidV7.at(Instant.parse("2026-11-21T12:00:00Z"), 0), "normal", "sent");
        invalidCursor(other, with(with(filters, "page_size", "2"), "cursor", cursor));
        for (Map<String, String> changed : List.of(
                with(filters, "status", "failed"), with(filters, "type", "express"),
                with(filters, "from_date", "2026-11-19"), with(filters, "to_date", "2026-11-22"),
                params("type=normal&from_date=2026-11-20&to_date=2026-11-23"))) {
            invalidCursor(client, with(with(changed, "page_size", "2"), "cursor", cursor));
        }
        invalidCursor(client, with(with(filters, "page_size", "3"), "cursor", cursor));
        invalidCursor(client, with(filters, "cursor", cursor)); // page_size left to its default (20)

        char c = cursor.charAt(20);
        String altered = cursor.substring(0, 20) + (c == 'A' ? 'B' : 'A') + cursor.substring(21);
        // (An empty cursor= is no cursor, as any empty parameter is: the first page.)
        for (String bad : List.of(altered, cursor.substring(1), cursor + "A", "0", "A".repeat(82),
                "not a cursor at all", "%F0%9F%98%80", "'%20OR%20'1'='1", "x".repeat(250))) {
            invalidCursor(client, with(with(filters, "page_size", "2"), "cursor", bad));
        }
        // a cursor and a page number contradict each other
        given().header("X-Client-ID", client).queryParams(with(filters, "page_size", "2"))
                .queryParam("cursor", cursor).queryParam("page", "2").when().get(LOG)
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid-parameter"));
        // as does a second cursor
        given().header("X-Client-ID", client).queryParam("cursor", cursor).queryParam("cursor", cursor).when().get(LOG)
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid-parameter"));
    }

    @Test
    void theTotalIsExactUpToTenThousandAndEstimatedFromTheDailyCountersBeyond() {
        String big = Stores.newClient();
        insertMany(big, 10050);
        // one sent message in fifty got an undelivered receipt: a status that only a few, scattered rows have
        stores.execute("""
                INSERT INTO message_outcomes (message_id, queued_at, outcome, client_id, type)
                SELECT id, queued_at, 'undelivered', client_id, type
                FROM (SELECT id, queued_at, client_id, type, row_number() OVER (ORDER BY id) AS g
                      FROM messages WHERE client_id = ?) m
                WHERE g % 50 = 1""", big);
        stores.execute("""
                INSERT INTO usage_daily (client_id, day, type, accepted, sent, failed, undelivered)
                SELECT m.client_id, (m.queued_at AT TIME ZONE 'UTC')::date, m.type, count(*),
                       count(*) FILTER (WHERE m.status = 'sent'), count(*) FILTER (WHERE m.status = 'failed'),
                       count(o.outcome)
                FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at
                WHERE m.client_id = ? GROUP BY 1, 2, 3""", big);
        // The counters of a day past the retention (90 days) outlive its rows: no total counts them.
        stores.execute("INSERT INTO usage_daily (client_id, day, type, accepted, sent) VALUES (?, ?, 'normal', 5000,"
                + " 5000)", big, LocalDate.now(ZoneOffset.UTC).minusDays(91));

        page(big, Map.of("page_size", "100"))
                .body("total", equalTo(10050)).body("total_exact", equalTo(false)).body("total_pages", equalTo(101))
                .body("messages", hasSize(100)).body("next_cursor", notNullValue());
        // A status is checked on the candidates (client, type, dates) up to the cap: beyond it, the counters tell.
        page(big, Map.of("status", "failed"))
                .body("total", equalTo(1005)).body("total_exact", equalTo(false)).body("total_pages", equalTo(51));
        // (A page that finds nothing at all tells the total by itself.)
        page(big, Map.of("status", "delivered")).body("total", equalTo(0)).body("total_exact", equalTo(true));
        page(big, Map.of("status", "undelivered")).body("total", equalTo(201)).body("total_exact", equalTo(false));
        // Fewer candidates than the cap: exact; counted, when a bound is inside a day, although the counters of its
        // days (all 10,050) are beyond the cap.
        page(big, Map.of("from_date", BULK_START + "T12:00:00Z")).body("total", equalTo(8611))
                .body("total_exact", equalTo(true));
        page(big, Map.of("type", "express")).body("total", equalTo(2512)).body("total_exact", equalTo(true));
        String secondDay = BULK_START.plusDays(1).toString();
        page(big, Map.of("from_date", secondDay, "to_date", secondDay, "status", "failed"))
                .body("total", equalTo(288)).body("total_exact", equalTo(true));
        // A cursor page counts the same way: its total is the filter's, not what is left.
        String cursor = next(big, Map.of("page_size", "100"));
        page(big, Map.of("page_size", "100", "cursor", cursor))
                .body("page", equalTo(2)).body("total", equalTo(10050)).body("total_exact", equalTo(false));

        // Rows the counters do not know of (written without them): the total is never less than those counted.
        String uncounted = Stores.newClient();
        insertMany(uncounted, 10020);
        page(uncounted, Map.of()).body("total", equalTo(10001)).body("total_exact", equalTo(false));

        // The whole log, once each, newest first; page= agrees with the cursors on a deep page.
        List<String> walked = walk(big, Map.of(), 100);
        assertThat(walked).hasSize(10050).doesNotHaveDuplicates();
        List<String> inOrder = List.of(stores.text("SELECT string_agg(id::text, ',' ORDER BY queued_at DESC, id DESC)"
                + " FROM messages WHERE client_id = ?", big).split(","));
        assertThat(walked).isEqualTo(inOrder);
        page(big, Map.of("page", "87", "page_size", "100")).body("messages.id", equalTo(walked.subList(8600, 8700)));

        // The scattered status, read through batches of sent rows probed for their receipts, by cursor and by page.
        List<String> undelivered = List.of(stores.text("SELECT string_agg(m.id::text, ',' ORDER BY m.queued_at DESC,"
                + " m.id DESC) FROM messages m JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at"
                + " WHERE m.client_id = ? AND o.outcome = 'undelivered'", big).split(","));
        assertThat(undelivered).hasSize(201);
        assertThat(walk(big, Map.of("status", "undelivered"), 7)).isEqualTo(undelivered);
        page(big, Map.of("status", "undelivered", "page", "20", "page_size", "7"))
                .body("messages.id", equalTo(undelivered.subList(133, 140)));
    }

    /**
     * The first day of {@link #insertMany}: 40 days ago, within the retention (90 days), whose partitions are
     * dropped and whose counters no total counts.
     */
    static final LocalDate BULK_START = LocalDate.now(ZoneOffset.UTC).minusDays(40);

    /**
     * Writes {@code n} messages 30 s apart from {@link #BULK_START} (10,050 take 3.5 days) in one statement, one in
     * four express, one in ten failed; ids as the API mints them (the time in their first 48 bits).
     */
    private void insertMany(String clientId, int n) {
        stores.execute("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                SELECT id, ?, CASE WHEN g % 4 = 0 THEN 'express' ELSE 'normal' END, '+4917012345', 'App', 'bulk',
                       CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'sent' END, sms_uuid_v7_time(id), now()
                FROM (SELECT g, (lpad(to_hex(? + g * 30000), 12, '0') || '7000' || '8'
                                 || substr(md5(random()::text || g), 1, 15))::uuid AS id
                      FROM generate_series(1, ?) g) s""", clientId,
                BULK_START.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli(), n);
    }

    /** Follows next_cursor from the first page to the last; checks each page's number, size and total. */
    private List<String> walk(String clientId, Map<String, String> params, int pageSize) {
        List<String> ids = new ArrayList<>();
        Map<String, String> query = with(params, "page_size", Integer.toString(pageSize));
        Long total = null;
        for (int page = 1;; page++) {
            JsonPath body = page(clientId, query).extract().jsonPath();
            assertThat(body.getInt("page")).isEqualTo(page);
            assertThat(body.getInt("page_size")).isEqualTo(pageSize);
            total = total == null ? body.getLong("total") : total;
            assertThat(body.getLong("total")).isEqualTo(total);
            assertThat(body.getLong("total_pages")).isEqualTo((total + pageSize - 1) / pageSize);
            List<String> got = body.getList("messages.id");
            ids.addAll(got);
            String cursor = body.getString("next_cursor");
            if (cursor == null) {
                assertThat(got.size()).isLessThanOrEqualTo(pageSize);
                if (body.getBoolean("total_exact")) {
                    assertThat(ids).hasSize(total.intValue());
                }
                return ids;
            }
            assertThat(got).hasSize(pageSize);
            assertThat(page).isLessThan(20_000);
            query = with(query, "cursor", cursor);
        }
    }

    private List<String> expected(Map<String, String> params) {
        Predicate<Row> keep = r -> true;
        String status = params.get("status");
        if (status != null) {
            keep = keep.and(r -> r.status().equalsIgnoreCase(status));
        }
        String type = params.get("type");
        if (type != null) {
            keep = keep.and(r -> r.type().equalsIgnoreCase(type));
        }
        String from = params.get("from_date");
        if (from != null) {
            Instant t = from.length() == 10 ? Instant.parse(from + "T00:00:00Z") : Instant.parse(from);
            keep = keep.and(r -> !r.queuedAt().isBefore(t));
        }
        String to = params.get("to_date");
        if (to != null) {
            Instant t = to.length() == 10 ? Instant.parse(to + "T00:00:00Z").plus(Duration.ofDays(1)) : Instant.parse(to);
            keep = keep.and(r -> to.length() == 10 ? r.queuedAt().isBefore(t) : !r.queuedAt().isAfter(t));
        }
        return rows.stream().filter(keep).sorted(NEWEST_FIRST).map(r -> r.id().toString()).toList();
    }

    private io.restassured.response.ValidatableResponse page(String clientId, Map<String, String> params) {
        return request(clientId, params).when().get(LOG).then().statusCode(200);
    }

    private String next(String clientId, Map<String, String> params) {
        return page(clientId, params).extract().path("next_cursor");
    }

    private void invalidCursor(String clientId, Map<String, String> params) {
        var answer = request(clientId, params).when().get(LOG).then().extract();
        assertThat(answer.statusCode()).as("%s", params).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.jsonPath().getString("code")).isEqualTo("invalid-cursor");
    }

    private static RequestSpecification request(String clientId, Map<String, String> params) {
        return given().header("X-Client-ID", clientId).queryParams(params);
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (!pair.isEmpty()) {
                params.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
            }
        }
        return params;
    }

    private static Map<String, String> with(Map<String, String> params, String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(params);
        copy.put(name, value);
        return copy;
    }

    /** Writes a message as a worker would: sent with a receipt's outcome for delivered and undelivered. */
    private Row insert(String clientId, UUID id, String type, String status) {
        boolean outcome = status.equals("delivered") || status.equals("undelivered");
        stores.execute("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                VALUES (?, ?, ?, '+4917012345', 'App', 'hello', ?, sms_uuid_v7_time(?), now())""",
                id, clientId, type, outcome ? "sent" : status, id);
        if (outcome) {
            stores.execute("INSERT INTO message_outcomes (message_id, queued_at, outcome, client_id, type)"
                    + " SELECT id, queued_at, ?, client_id, type FROM messages WHERE id = ?", status, id);
        }
        return new Row(id, UuidV7.time(id).orElseThrow(), type, status);
    }
}
