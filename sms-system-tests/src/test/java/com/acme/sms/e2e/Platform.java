package com.acme.sms.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.BuiltApp;
import io.restassured.response.Response;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The system under a fault test: which Redis and PostgreSQL it uses, the processes started on them, and the
 * checks of the invariants in docs/promises.md, counted from outside: what clients were told was accepted, what rows
 * PostgreSQL holds, and what the balances say.
 */
final class Platform implements AutoCloseable {

    static final String ADMIN_KEY = "fault-test-admin";
    // UK numbers reserved for drama (+44 7700 900xxx): possible numbers that no handset owns.
    static final String FAIL_PREFIX = "+4477009";

    final int redisPort;
    final int redisDb;
    final String jdbcUrl;
    /** Every worker's simulated provider appends the ids it accepted here, so the audit counts sends per message. */
    final Path sendLog;
    private final List<AppProcess> processes = new ArrayList<>();

    Platform(int redisPort, int redisDb, String jdbcUrl) {
        this.redisPort = redisPort;
        this.redisDb = redisDb;
        this.jdbcUrl = jdbcUrl;
        try {
            this.sendLog = Files.createTempFile("provider-sends-", ".log");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The machine's Redis (logical database 14) and the test database: for tests that do not kill them. */
    static Platform shared() {
        return new Platform(6379, 14, "jdbc:postgresql://127.0.0.1:5432/sms_test");
    }

    Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl);
        env.put("QUARKUS_REDIS_HOSTS", "redis://127.0.0.1:" + redisPort + "/" + redisDb);
        env.put("SMS_API_ADMIN_KEY", ADMIN_KEY);
        env.put("SMS_PROVIDER_FAIL_PREFIX", FAIL_PREFIX);
        env.put("SMS_WORKER_RECLAIM_IDLE", "2s");
        env.put("SMS_WORKER_RECLAIM_INTERVAL", "500ms");
        // Provider timeout + one PostgreSQL write must fit inside reclaim-idle, or the worker refuses to start.
        env.put("SMS_PROVIDER_TIMEOUT", "500ms");
        env.put("SMS_WORKER_PERSIST_TIMEOUT", "1s");
        env.put("SMS_PROVIDER_SEND_LOG", sendLog.toString());
        env.putAll(extra);
        return env;
    }

    AppProcess api() {
        return track(AppProcess.start(BuiltApp.API, "api", env(Map.of()))).awaitReady();
    }

    /** A worker; not awaited, since some are meant to die. */
    AppProcess worker(String queue, Map<String, String> extra) {
        return track(AppProcess.start(BuiltApp.WORKER, "worker-" + queue, env(extra), "--queue=" + queue));
    }

    private AppProcess track(AppProcess p) {
        processes.add(p);
        return p;
    }

    /** Empties the queues, so a test counts only its own messages. */
    void cleanQueues() throws IOException {
        try (Resp r = new Resp(redisPort, redisDb)) {
            for (String type : new String[] {"normal", "express"}) {
                r.call("DEL", "sms:" + type, "sms:retry:" + type, "sms:" + type + ":dead", "sms:scheduled:" + type,
                        "sms:scheduled:" + type + ":queued");
            }
        }
    }

    String newClient(AppProcess api, long credit) {
        String client = "f-" + UUID.randomUUID().toString().substring(0, 12);
        given().port(api.port).header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": " + credit + "}").post("/api/credit/increase").then().statusCode(200);
        return client;
    }

    /** Sends n messages (the first {@code failing} to a recipient the provider rejects); returns the accepted ids. */
    static List<String> send(AppProcess api, String client, String type, int n, int failing) {
        StringBuilder body = new StringBuilder("{\"messages\": [");
        for (int i = 0; i < n; i++) {
            String to = i < failing ? FAIL_PREFIX + String.format("%05d", i) : "+49170" + String.format("%07d", i);
            body.append(i == 0 ? "" : ",").append("{\"to\": \"").append(to)
                    .append("\", \"from\": \"App\", \"content\": \"fault test ").append(i).append("\"}");
        }
        body.append("]}");
        Response r = given().port(api.port).header("X-Client-ID", client).header("X-SMS-TYPE", type)
                .contentType("application/json").body(body.toString()).post("/api/messages/bulk/send");
        if (r.statusCode() != 202) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> result : r.<List<Map<String, Object>>>path("results")) {
            if ("queued".equals(result.get("status"))) {
                ids.add((String) result.get("id"));
            }
        }
        return ids;
    }

    /** Entries still queued, in flight or waiting for a retry. */
    long backlog() throws IOException {
        try (Resp r = new Resp(redisPort, redisDb)) {
            return r.number("XLEN", "sms:normal") + r.number("XLEN", "sms:express")
                    + r.number("ZCARD", "sms:retry:normal") + r.number("ZCARD", "sms:retry:express");
        }
    }

    void awaitDrained(Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() -> backlog() == 0);
    }

    /** The counts that prove the invariants for one client after draining, printed and asserted. */
    record Audit(int accepted, long rows, long distinctRows, long missing, long sent, long failed, long liveBalance,
            long postgresBalance, long ledgerSent, long drift, long sentTwice, long presumedSent) {}

    /** How often the provider accepted each of the messages (from the workers' send log). */
    Map<String, Integer> sends(Collection<String> ids) throws IOException {
        Set<String> wanted = new HashSet<>(ids);
        Map<String, Integer> counts = new HashMap<>();
        for (String line : Files.readAllLines(sendLog)) {
            if (wanted.contains(line.trim())) {
                counts.merge(line.trim(), 1, Integer::sum);
            }
        }
        return counts;
    }

    Audit audit(String label, AppProcess api, String client, long credit, List<String> acceptedIds) throws Exception {
        return audit(label, api, client, credit, acceptedIds, false);
    }

    /**
     * After Redis died mid-request, a request can have been charged and queued without its answer reaching the
     * client (Redis persisted the script but died before replying). Such messages are delivered and charged
     * like any other, so rows may exceed the client's record of accepted ids; everything else must hold.
     */
    Audit auditAfterRedisLoss(String label, AppProcess api, String client, long credit, List<String> acceptedIds)
            throws Exception {
        return audit(label, api, client, credit, acceptedIds, true);
    }

    private Audit audit(String label, AppProcess api, String client, long credit, List<String> acceptedIds,
            boolean unansweredPossible) throws Exception {
        long rows;
        long distinct;
        long missing;
        long sent;
        long failed;
        long pgBalance;
        long ledgerSent;
        long sentCredits;
        long presumed;
        List<String> rowIds = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "sms", "sms")) {
            rows = number(c, "SELECT count(*) FROM messages WHERE client_id = ?", client);
            distinct = number(c, "SELECT count(DISTINCT id) FROM messages WHERE client_id = ?", client);
            sent = number(c,
                    "SELECT count(*) FROM messages WHERE client_id = ? AND status IN ('sent', 'delivered', 'undelivered')",
                    client);
            failed = number(c, "SELECT count(*) FROM messages WHERE client_id = ? AND status = 'failed'", client);
            // What the sent messages were charged: one credit per SMS part with per-segment pricing.
            sentCredits = number(c, "SELECT COALESCE(sum(credits), 0) FROM messages WHERE client_id = ? "
                    + "AND status IN ('sent', 'delivered', 'undelivered')", client);
            pgBalance = number(c, "SELECT balance FROM credits WHERE client_id = ?", client);
            presumed = number(c, "SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'presumed sent:%'",
                    client);
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM messages WHERE client_id = ?")) {
                ps.setString(1, client);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rowIds.add(rs.getString(1));
                    }
                }
            }
            ledgerSent = -number(c, "SELECT COALESCE(sum(delta), 0) FROM credit_ledger WHERE client_id = ? AND reason = 'sent'",
                    client);
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM unnest(?::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.id = a.id)")) {
                ps.setArray(1, c.createArrayOf("uuid", acceptedIds.stream().map(UUID::fromString).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    missing = rs.getLong(1);
                }
            }
        }
        Object raw = Resp.once(redisPort, redisDb, "GET", "sms:credit:{" + client + "}");
        long live = raw == null ? 0 : Long.parseLong(raw.toString());
        long drift = given().port(api.port).header("X-Admin-Key", ADMIN_KEY).queryParam("client", client)
                .queryParam("all", true).get("/api/admin/reconciliation")
                .then().statusCode(200).extract().<Integer>path("clients[0].drift");
        Map<String, Integer> sends = sends(rowIds);
        long sentTwice = sends.values().stream().filter(n -> n > 1).count();
        long providerSends = sends.values().stream().mapToLong(Integer::longValue).sum();
        Audit audit = new Audit(acceptedIds.size(), rows, distinct, missing, sent, failed, live, pgBalance, ledgerSent, drift,
                sentTwice, presumed);
        System.out.printf("[%s] accepted=%d rows=%d duplicates=%d missing=%d sent=%d (credits %d) failed(refunded)=%d "
                + "live_balance=%d pg_balance=%d ledger_sent=%d drift=%d provider_sends=%d sent_twice=%d/%d "
                + "presumed_sent=%d%n",
                label, audit.accepted(), rows, rows - distinct, missing, sent, sentCredits, failed, live, pgBalance,
                ledgerSent, drift, providerSends, sentTwice, sent, presumed);

        assertThat(missing).as("accepted messages missing from PostgreSQL").isZero();
        assertThat(rows).as("one row per message").isEqualTo(distinct);
        if (unansweredPossible) {
            System.out.printf("[%s] charged and sent without an answer to the client: %d%n", label, rows - acceptedIds.size());
            assertThat(rows).isGreaterThanOrEqualTo(acceptedIds.size());
        } else {
            assertThat(rows).as("one row per accepted message").isEqualTo(acceptedIds.size());
        }
        assertThat(sent + failed).as("every message final").isEqualTo(rows);
        assertThat(live).as("live balance = credit - credits of the sent (each failure refunded exactly once)")
                .isEqualTo(credit - sentCredits);
        assertThat(pgBalance).as("PostgreSQL balance = credit - credits of the sent").isEqualTo(credit - sentCredits);
        assertThat(ledgerSent).as("ledger charged each sent message once, its credits").isEqualTo(sentCredits);
        assertThat(drift).as("reconciliation drift").isZero();
        if (!unansweredPossible) {
            // After Redis itself lost writes (its last second without fsync), a handed record can be lost too: that
            // is the documented window, so it is printed above, not asserted.
            assertThat(sentTwice).as("messages the provider accepted more than once").isZero();
        }
        return audit;
    }

    private static long number(Connection c, String sql, String client) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (int i = processes.size() - 1; i >= 0; i--) {
            processes.get(i).close();
        }
    }
}
