package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.ratelimit.ExportsInFlight;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.api.store.StoreUnavailableException;
import com.acme.sms.message.UuidV7;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GET /api/messages/export: the caller's whole log as CSV or NDJSON, streamed. Rows are written here as a worker
 * would write them; each id carries its row's queued_at (V10).
 */
@QuarkusTest
class MessageExportResourceTest {

    static final String HEADER = "id,type,to,from,content,status,queued_at,updated_at,error_message,attempts,segments,"
            + "provider_message_id,sent_at,delivered_at,error_code,credits";
    /** Texts a CSV writer gets wrong: separators, quotes, line breaks, emoji, blanks at the ends. */
    static final List<String> TRICKY = List.of("plain", "a, comma", "say \"hi\"", "\"quoted\"", "line\nbreak",
            "crlf\r\nbreak", "emoji 😀👍🏽 and ünïcode", ",\",\n", " padded ", "tab\there", "semi;colon", "=1+2");

    @Inject
    Stores stores;

    @Inject
    AgroalDataSource db;

    @Inject
    ExportsInFlight exportsInFlight;

    @Inject
    ApiConfig apiConfig;

    @Inject
    StoreBounds storeBounds;

    final ObjectMapper json = new ObjectMapper();

    String client;
    String other;
    /** The client's messages, oldest first, with their content. */
    final Map<UUID, String> messages = new LinkedHashMap<>();
    UUID delivered;
    UUID undelivered;
    LocalDate day1;

    @BeforeEach
    void rows() {
        client = Stores.newClient();
        other = Stores.newClient();
        messages.clear();
        // Three days ending yesterday (UTC), in real day partitions as a rule. Day 1: the tricky texts, normal, sent;
        // day 2: 10 express, 7 sent and 3 failed; day 3: 5 normal sent, two of them with receipts. The other client's
        // messages are interleaved with them.
        day1 = LocalDate.now(ZoneOffset.UTC).minusDays(3);
        Instant t1 = day1.atTime(10, 0).toInstant(ZoneOffset.UTC);
        int seq = 0;
        for (String text : TRICKY) {
            insert(client, "normal", "sent", t1.plusSeconds(seq * 60L), seq++, text);
            insert(other, "normal", "sent", t1.plusSeconds(seq * 60L + 1), seq++, "not yours " + seq);
        }
        Instant t2 = t1.plus(1, ChronoUnit.DAYS);
        for (int i = 0; i < 10; i++) {
            insert(client, "express", i < 7 ? "sent" : "failed", t2.plusSeconds(i * 60L), i, "express " + i);
        }
        Instant t3 = t2.plus(1, ChronoUnit.DAYS);
        for (int i = 0; i < 5; i++) {
            UUID id = insert(client, "normal", "sent", t3.plusSeconds(i * 60L), i, "normal " + i);
            if (i == 1) {
                delivered = id;
            } else if (i == 3) {
                undelivered = id;
            }
        }
        insert(other, "express", "failed", t3.plusSeconds(30), 0, "not yours either");
        stores.execute("UPDATE messages SET segments = 2, provider_message_id = 'smsc-1f' WHERE id = ?", delivered);
        stores.execute("""
                INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, client_id, type)
                SELECT id, queued_at, 'delivered', queued_at + interval '1 minute', client_id, type
                FROM messages WHERE id = ? AND queued_at = sms_uuid_v7_time(?)""", delivered, delivered);
        stores.execute("""
                INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, error_code, error_message,
                                              client_id, type)
                SELECT id, queued_at, 'undelivered', queued_at + interval '2 minutes', '001', 'receipt: UNDELIV, "err" 001',
                       client_id, type
                FROM messages WHERE id = ? AND queued_at = sms_uuid_v7_time(?)""", undelivered, undelivered);
    }

    @Test
    void csvHasEveryMessageOfTheClientOnceOldestFirstAndItsTextsRoundTrip() throws IOException {
        Response r = export(client, Map.of());
        r.then().statusCode(200);
        assertThat(r.contentType()).startsWith("text/csv");
        assertThat(r.header("Content-Disposition")).matches("attachment; filename=\"messages-" + client
                + "-\\d{8}T\\d{6}Z\\.csv\"");
        List<List<String>> records = Csv.parse(r.asString());
        assertThat(String.join(",", records.get(0))).isEqualTo(HEADER);
        List<List<String>> rows = records.subList(1, records.size());
        // Every message of the client exactly once, in (queued_at, id) order; none of the other client's.
        assertThat(rows).allSatisfy(row -> assertThat(row).hasSize(16));
        assertThat(rows.stream().map(row -> UUID.fromString(row.get(0))).toList())
                .containsExactlyElementsOf(messages.keySet());
        for (List<String> row : rows) {
            assertThat(row.get(4)).isEqualTo(messages.get(UUID.fromString(row.get(0))));
        }
        Map<String, String> first = named(records.get(0), rows.get(0));
        assertThat(first).containsEntry("type", "normal").containsEntry("to", "+4917012345")
                .containsEntry("from", "App").containsEntry("status", "sent")
                .containsEntry("queued_at", day1 + "T10:00:00Z").containsEntry("updated_at", day1 + "T10:00:01Z")
                .containsEntry("error_message", "").containsEntry("attempts", "1").containsEntry("segments", "1")
                .containsEntry("delivered_at", "").containsEntry("credits", "1");
        Map<String, String> failed = rows.stream().map(row -> named(records.get(0), row))
                .filter(m -> m.get("status").equals("failed")).findFirst().orElseThrow();
        assertThat(failed).containsEntry("type", "express").containsEntry("error_message", "recipient rejected");
        Map<String, String> withReceipt = rows.stream().map(row -> named(records.get(0), row))
                .filter(m -> m.get("id").equals(undelivered.toString())).findFirst().orElseThrow();
        assertThat(withReceipt).containsEntry("status", "undelivered").containsEntry("error_code", "001")
                .containsEntry("error_message", "receipt: UNDELIV, \"err\" 001")
                .containsEntry("delivered_at", day1.plusDays(2) + "T10:05:00Z");
    }

    @Test
    void ndjsonLinesAreTheSentLogsMessagesExactly() throws IOException {
        Response r = export(client, Map.of("format", "NDJSON"));
        r.then().statusCode(200);
        assertThat(r.contentType()).isEqualTo("application/x-ndjson");
        assertThat(r.header("Content-Disposition")).endsWith(".ndjson\"");
        String body = r.asString();
        assertThat(body).endsWith("\n");
        String[] lines = body.split("\n", -1);
        assertThat(lines).hasSize(messages.size() + 1);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode line = json.readTree(lines[i]);
            UUID id = UUID.fromString(line.get("id").asText());
            ids.add(id);
            // The same object, field for field, as the one-message endpoint answers.
            JsonNode one = json.readTree(given().header("X-Client-ID", client).when().get("/api/messages/" + id)
                    .then().statusCode(200).extract().asString());
            assertThat(line).isEqualTo(one);
            assertThat(line.get("content").asText()).isEqualTo(messages.get(id));
        }
        assertThat(ids).containsExactlyElementsOf(messages.keySet());
        assertThat(lines[messages.size()]).isEmpty();
        // Emoji go as UTF-8, as in the sent-log (JsonOutput), not as escaped surrogates.
        assertThat(body).contains("😀👍🏽").doesNotContain("\\ud83d");
    }

    /** The export keeps what the sent-log with the same filters counts, and nothing else. */
    @ParameterizedTest
    @ValueSource(strings = {"", "status=failed", "status=sent", "status=delivered", "status=UNDELIVERED",
        "status=queued", "type=express", "type=normal&status=sent", "from_date=D2&to_date=D2", "to_date=D1",
        "from_date=D3", "from_date=D2T10:02:00Z&to_date=D2T10:04:00Z", "from_date=D3T10:03:00&type=normal"})
    void filtersMeanWhatTheyMeanInTheSentLog(String template) throws IOException {
        String query = template.replace("D1", day1.toString()).replace("D2", day1.plusDays(1).toString())
                .replace("D3", day1.plusDays(2).toString());
        Map<String, String> params = new LinkedHashMap<>();
        for (String p : query.split("&")) {
            if (!p.isEmpty()) {
                params.put(p.substring(0, p.indexOf('=')), p.substring(p.indexOf('=') + 1));
            }
        }
        int total = given().header("X-Client-ID", client).queryParams(params).queryParam("page_size", 100)
                .when().get("/api/messages/sent-log").then().statusCode(200).extract().path("total");
        List<String> sentLogIds = given().header("X-Client-ID", client).queryParams(params)
                .queryParam("page_size", 100).when().get("/api/messages/sent-log").then().extract().path("messages.id");
        List<List<String>> csv = Csv.parse(export(client, params).then().statusCode(200).extract().asString());
        List<String> csvIds = csv.subList(1, csv.size()).stream().map(row -> row.get(0)).toList();
        assertThat(csvIds).hasSize(total).containsExactlyInAnyOrderElementsOf(sentLogIds);
        params.put("format", "ndjson");
        String ndjson = export(client, params).then().statusCode(200).extract().asString();
        assertThat(ndjson.lines().count()).isEqualTo(total);
    }

    @Test
    void onlyTheCallersOwnMessagesAndAnEmptyLogIsAHeader() {
        List<List<String>> theirs = Csv.parse(export(other, Map.of()).then().statusCode(200).extract().asString());
        assertThat(theirs).hasSize(1 + TRICKY.size() + 1);
        assertThat(theirs.subList(1, theirs.size())).allSatisfy(row -> assertThat(row.get(4)).startsWith("not yours"));
        String nobody = export(Stores.newClient(), Map.of()).then().statusCode(200).extract().asString();
        assertThat(nobody).isEqualTo(HEADER + "\r\n");
        assertThat(export(Stores.newClient(), Map.of("format", "ndjson")).then().statusCode(200).extract().asString())
                .isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"format=xml", "format=csv%20", "format=csv,ndjson", "format=c%C5%BFv", "format=csv&format=csv",
        "status=dispatched", "type=urgent", "from_date=yesterday", "to_date=2026-13-01",
        "from_date=2026-11-25&to_date=2026-11-24", "from_date=99999-01-01", "status=sent'%20OR%20'1'='1",
        "format=%00", "type=%0D%0Aexpress"})
    void invalidParametersAre400ProblemsBeforeAnyStreaming(String query) {
        given().header("X-Client-ID", client).urlEncodingEnabled(false).when().get("/api/messages/export?" + query)
                .then().statusCode(400).contentType("application/problem+json")
                .header("Content-Disposition", (String) null)
                .body("code", equalTo("invalid-parameter"));
        assertThat(exportsInFlight.runs(client)).isFalse();
    }

    @Test
    void withoutAClientIs400AndAnAcceptOfJsonOnlyIs406() {
        given().when().get("/api/messages/export").then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("missing-client-id"));
        given().header("X-Client-ID", client).accept("application/json").when().get("/api/messages/export")
                .then().statusCode(406).contentType("application/problem+json").body("code", equalTo("not-acceptable"));
    }

    /**
     * 200,000 rows written by one statement, read back as a stream: the first line arrives while PostgreSQL is still
     * reading (the export's transaction is open), and a client that stops reading holds the export there (the server
     * waits for it rather than reading ahead into memory).
     */
    @Test
    void aLargeExportStreams() throws Exception {
        String big = Stores.newClient();
        int n = 200_000;
        insertMany(big, n);
        HttpResponse<InputStream> response = stream(big, "csv");
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).isEqualTo(HEADER);
            String first = in.readLine();
            assertThat(first).contains(",bulk 1,");
            // The client holds the first rows and has read 2 of 200,000 lines: the export has not read them all.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> exportsInFlight.runs(big) && exportTransactions() == 1);
            long lines = 2;
            String last = first;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines++;
                last = line;
            }
            assertThat(lines).isEqualTo(n + 1);
            assertThat(last).contains(",bulk " + n + ",");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !exportsInFlight.runs(big) && exportTransactions() == 0);
    }

    /**
     * A failure after the first bytes cannot become a problem answer: the connection is cut, so the client sees a
     * download that ends early, never one that looks complete. Here PostgreSQL ends the export's session midway.
     */
    @Test
    void aFailureMidwayCutsTheDownloadShort() throws Exception {
        String big = Stores.newClient();
        insertMany(big, 200_000);
        HttpResponse<InputStream> response = stream(big, "ndjson");
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).contains("\"content\":\"bulk 1\"");
            assertThat(stores.count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name = ?", MessageExport.APPLICATION_NAME)).isEqualTo(1);
            assertThatThrownBy(() -> {
                long lines = 1;
                while (in.readLine() != null) {
                    lines++;
                }
                throw new AssertionError("the download ended cleanly after " + lines + " lines");
            }).isInstanceOf(IOException.class);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !exportsInFlight.runs(big));
        // The client's next export runs.
        assertThat(export(big, Map.of("to_date", "2000-01-01")).then().statusCode(200).extract().asString())
                .isEqualTo(HEADER + "\r\n");
    }

    /**
     * The API stopping interrupts the threads that read exports ahead (shutdownNow). An export caught by it must
     * fail, so that the download is cut short; it may also have read on to its end, but it must never end as if
     * complete with rows left out (a chunk that could not be handed over, and the end marker after it).
     */
    @Test
    void anExportCaughtByTheApiStoppingFailsOrIsCompleteNeverShort() throws Exception {
        String big = Stores.newClient();
        int n = 20_000;
        insertMany(big, n);
        MessageExport export = new MessageExport(db, apiConfig, storeBounds);
        long[] seen = {0};
        Long written = null;
        try (MessageExport.Rows rows = export.open(big, new MessageExport.Filter(null, null, null, null))) {
            written = rows.writeTo(m -> {
                if (seen[0]++ == 0) {
                    export.stop(); // as at shutdown: the reader is interrupted, wherever it is
                }
            });
        } catch (IllegalStateException | StoreUnavailableException cut) {
            // the download is aborted: what a client must see
        }
        if (written != null) {
            assertThat(written).as("an export that ends without a failure has every row").isEqualTo(n);
            assertThat(seen[0]).isEqualTo(n);
        } else {
            assertThat(seen[0]).isLessThan(n);
        }
    }

    /**
     * One export per client, and at most sms.api.max-exports (4) per server: one more is refused at once with 429 and
     * Retry-After. The exports are held inside PostgreSQL by a lock on the table, so they are running for as long
     * as the test needs.
     */
    @Test
    void concurrentExportsAreBoundedPerClientAndPerServer() throws Exception {
        List<String> clients = List.of(client, other, Stores.newClient(), Stores.newClient());
        List<CompletableFuture<Response>> running = new ArrayList<>();
        try (Connection locker = db.getConnection(); Statement st = locker.createStatement()) {
            locker.setAutoCommit(false);
            st.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
            running.add(CompletableFuture.supplyAsync(() -> export(client, Map.of())));
            await().atMost(Duration.ofSeconds(20)).until(() -> exportsInFlight.runs(client));

            Response again = export(client, Map.of("format", "ndjson"));
            assertThat(again.statusCode()).isEqualTo(429);
            assertThat(again.contentType()).isEqualTo("application/problem+json");
            assertThat(again.header("Retry-After")).isEqualTo("5");
            assertThat(again.jsonPath().getString("code")).isEqualTo("rate-limited");
            assertThat(again.jsonPath().getString("limit")).isEqualTo("exports-in-flight");

            for (String c : clients.subList(1, 4)) {
                running.add(CompletableFuture.supplyAsync(() -> export(c, Map.of())));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> exportsInFlight.running() == 4);
            Response fifth = export(Stores.newClient(), Map.of());
            assertThat(fifth.statusCode()).isEqualTo(429);
            assertThat(fifth.header("Retry-After")).isEqualTo("5");
            assertThat(fifth.jsonPath().getString("limit")).isEqualTo("exports-in-flight");
            locker.rollback();
        }
        for (CompletableFuture<Response> r : running) {
            assertThat(r.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        assertThat(Csv.parse(running.get(0).get().asString())).hasSize(1 + messages.size());
        await().atMost(Duration.ofSeconds(5)).until(() -> exportsInFlight.running() == 0);
        export(client, Map.of()).then().statusCode(200);
    }

    private static Response export(String clientId, Map<String, String> params) {
        return given().header("X-Client-ID", clientId).queryParams(params).when().get("/api/messages/export");
    }

    /** The export as a stream, through a client that reads only as much as it is asked for. */
    private static HttpResponse<InputStream> stream(String clientId, String format) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                URI.create("http://localhost:" + RestAssured.port + "/api/messages/export?format=" + format))
                .header("X-Client-ID", clientId).timeout(Duration.ofSeconds(60)).build();
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private long exportTransactions() {
        return stores.count("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                + " AND state IN ('idle in transaction', 'active')", MessageExport.APPLICATION_NAME);
    }

    private UUID insert(String clientId, String type, String status, Instant queuedAt, int seq, String content) {
        UUID id = UuidV7.at(queuedAt, seq);
        OffsetDateTime at = queuedAt.atOffset(ZoneOffset.UTC);
        stores.execute(
                """
                        INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at,
                                              updated_at, error_message)
                        VALUES (?, ?, ?, '+4917012345', 'App', ?, ?, ?, ?, ?)""",
                id, clientId, type, content, status, at, at.plusSeconds(1),
                "failed".equals(status) ? "recipient rejected" : null);
        if (clientId.equals(client)) {
            messages.put(id, content);
        }
        return id;
    }

    /** n messages 'bulk 1' to 'bulk n', a millisecond apart, ending an hour ago; the ids carry their times. */
    private void insertMany(String clientId, int n) throws SQLException {
        long start = Instant.now().minus(1, ChronoUnit.HOURS).toEpochMilli() - n;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                SELECT id, ?, 'normal', '+4917012345', 'App', 'bulk ' || g, 'sent', sms_uuid_v7_time(id),
                       sms_uuid_v7_time(id)
                FROM (SELECT g, (lpad(to_hex(?::bigint + g), 12, '0') || '7000' || '8'
                                 || lpad(to_hex(g), 15, '0'))::uuid AS id
                      FROM generate_series(1, ?) g) ids""")) {
            // Seconds on a busy machine: more than the pool's socket timeout allows one answer.
            int socketTimeout = c.getNetworkTimeout();
            c.setNetworkTimeout(Runnable::run, 120_000);
            ps.setString(1, clientId);
            ps.setLong(2, start);
            ps.setInt(3, n);
            assertThat(ps.executeUpdate()).isEqualTo(n);
            c.setNetworkTimeout(Runnable::run, socketTimeout);
        }
    }

    private static Map<String, String> named(List<String> header, List<String> row) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
            m.put(header.get(i), row.get(i));
        }
        return m;
    }

    /** A strict RFC 4180 reader: records end with CRLF, quoted fields may hold anything, "" is a quote. */
    static final class Csv {

        static List<List<String>> parse(String text) {
            try {
                return parse(new java.io.StringReader(text));
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
        }

        static List<List<String>> parse(Reader in) throws IOException {
            List<List<String>> records = new ArrayList<>();
            List<String> record = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            int c = in.read();
            while (c != -1) {
                if (c == '"' && field.isEmpty()) {
                    for (c = in.read();; c = in.read()) {
                        if (c == -1) {
                            throw new IllegalArgumentException("unterminated quoted field");
                        }
                        if (c == '"') {
                            c = in.read();
                            if (c != '"') {
                                break;
                            }
                        }
                        field.append((char) c);
                    }
                    if (c != ',' && c != '\r' && c != -1) {
                        throw new IllegalArgumentException("text after a quoted field: " + (char) c);
                    }
                    continue;
                }
                if (c == ',') {
                    record.add(field.toString());
                    field.setLength(0);
                } else if (c == '\r') {
                    if (in.read() != '\n') {
                        throw new IllegalArgumentException("CR without LF outside quotes");
                    }
                    record.add(field.toString());
                    field.setLength(0);
                    records.add(record);
                    record = new ArrayList<>();
                } else if (c == '\n' || c == '"') {
                    throw new IllegalArgumentException("bare " + (c == '"' ? "quote" : "LF") + " outside quotes");
                } else {
                    field.append((char) c);
                }
                c = in.read();
            }
            if (!record.isEmpty() || !field.isEmpty()) {
                throw new IllegalArgumentException("the last record does not end with CRLF");
            }
            return records;
        }
    }
}
