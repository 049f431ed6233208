package com.acme.sms.api.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.message.UuidV7;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * V10 takes a database the previous version filled (schema at V9, rows as its workers wrote them) to the daily
 * partitions, and the later migrations on to today's layout, losing nothing: in a schema of its own, so the application's tables are not touched.
 */
@QuarkusTest
class PartitionMigrationTest {

    static final String SCHEMA = "v9_upgrade";

    @Inject
    AgroalDataSource db;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    String user;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    /** One connection for the checks: opening one per query costs a password exchange each. */
    Connection checks;

    @BeforeEach
    @AfterEach
    void dropSchema() throws SQLException {
        if (checks != null) {
            checks.close();
            checks = null;
        }
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    private Flyway flyway(String target) {
        return Flyway.configure().dataSource(url, user, password).schemas(SCHEMA).defaultSchema(SCHEMA).createSchemas(true)
                .locations("classpath:db/migration").target(target).load();
    }

    /** A message as V9's worker wrote it: queued_at is the stream's q, a few milliseconds after the id's time. */
    record Old(UUID id, String client, String type, String status, OffsetDateTime queuedAt, String providerId,
            int credits) {}

    @Test
    void movesEveryRowOutcomeAndPartIntoItsDayAndCountsThem() throws SQLException {
        flyway("9").migrate();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Old> rows = new ArrayList<>();
        // Ten days of messages, two clients, both types, every status a V9 worker wrote.
        for (int i = 0; i < 200; i++) {
            Instant accepted = now.minus(i * 71, ChronoUnit.MINUTES);
            String status = i % 7 == 0 ? "failed" : i % 11 == 0 ? "queued" : "sent";
            rows.add(new Old(UuidV7.at(accepted, 0), i % 2 == 0 ? "alpha" : "beta", i % 3 == 0 ? "express" : "normal",
                    status, accepted.plusMillis(3).atOffset(ZoneOffset.UTC), status.equals("sent") ? "smsc-" + i : null,
                    1 + i % 3));
        }
        // A scheduled message: accepted (its id's time) three days before it was queued and sent.
        Instant acceptedEarly = now.minus(5, ChronoUnit.DAYS);
        UUID scheduled = UuidV7.at(acceptedEarly, 0);
        rows.add(new Old(scheduled, "alpha", "normal", "sent", acceptedEarly.plus(3, ChronoUnit.DAYS)
                .atOffset(ZoneOffset.UTC), "smsc-scheduled", 1));
        // A row with an id of another version (written by hand, say): it keeps its queued_at.
        UUID v4 = UUID.randomUUID();
        OffsetDateTime v4Queued = now.minus(2, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC);
        rows.add(new Old(v4, "beta", "normal", "failed", v4Queued, null, 1));

        try (Connection c = inSchema()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at,
                                          updated_at, attempts, segments, provider_message_id, credits, sent_at)
                    VALUES (?, ?, ?, '+491701234567', 'ACME', 'text, "quoted"', ?, ?, now(), 1, ?, ?, ?, ?)""")) {
                for (Old r : rows) {
                    ps.setObject(1, r.id());
                    ps.setString(2, r.client());
                    ps.setString(3, r.type());
                    ps.setString(4, r.status());
                    ps.setObject(5, r.queuedAt());
                    ps.setInt(6, r.credits());
                    ps.setString(7, r.providerId());
                    ps.setInt(8, r.credits());
                    ps.setObject(9, r.status().equals("sent") ? r.queuedAt() : null);
                    ps.executeUpdate();
                }
            }
            // Outcomes for every third sent message, undelivered for some; parts for the three-part ones.
            c.createStatement().execute("""
                    INSERT INTO message_outcomes (message_id, outcome, delivered_at, error_code)
                    SELECT id, CASE WHEN random() < 0.3 THEN 'undelivered' ELSE 'delivered' END, now(), NULL
                    FROM messages WHERE status = 'sent' AND get_byte(uuid_send(id), 15) % 3 = 0""");
            c.createStatement().execute("""
                    INSERT INTO message_parts (provider_message_id, message_id, part, state)
                    SELECT provider_message_id || '-' || p, id, p, 'DELIVRD'
                    FROM messages, generate_series(1, 3) p WHERE status = 'sent' AND credits = 3""");
        }
        String before = fingerprint();
        long outcomes = count("SELECT count(*) FROM message_outcomes");
        long parts = count("SELECT count(*) FROM message_parts");
        assertThat(outcomes).isPositive();
        assertThat(parts).isPositive();

        flyway("latest").migrate();

        // Every column of every row as it was, but queued_at, which is now the id's time (the v4 id's stays).
        assertThat(fingerprint()).isEqualTo(before);
        StringBuilder expected = new StringBuilder();
        for (Old r : rows) {
            Instant at = r.id().equals(v4) ? v4Queued.toInstant() : UuidV7.time(r.id()).orElseThrow();
            expected.append(expected.isEmpty() ? "" : ", ").append("('").append(r.id()).append("'::uuid, '")
                    .append(at).append("'::timestamptz)");
        }
        assertThat(count("SELECT count(*) FROM (VALUES " + expected + ") AS e(id, t)"
                + " JOIN messages m ON m.id = e.id AND m.queued_at = e.t")).isEqualTo(rows.size());
        assertThat(count("SELECT count(*) FROM message_outcomes o JOIN messages m"
                + " ON m.id = o.message_id AND m.queued_at = o.queued_at")).isEqualTo(outcomes);
        // V14: each outcome names its message's client and type, by which the sent-log finds a client's outcomes.
        assertThat(count("SELECT count(*) FROM message_outcomes o JOIN messages m ON m.id = o.message_id"
                + " AND m.queued_at = o.queued_at WHERE o.client_id = m.client_id AND o.type = m.type"))
                .isEqualTo(outcomes);
        assertThat(count("SELECT count(*) FROM message_parts p JOIN messages m"
                + " ON m.id = p.message_id AND m.queued_at = p.queued_at")).isEqualTo(parts);
        // Each row is in its day's partition; the default partition holds none of them.
        assertThat(count("SELECT count(*) FROM messages_default")).isZero();
        assertThat(count("""
                SELECT count(*) FROM messages
                WHERE tableoid::regclass::text <> 'messages_p' || to_char(queued_at AT TIME ZONE 'UTC', 'YYYYMMDD')"""))
                .isZero();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertThat(count("SELECT count(*) FROM pg_class WHERE relname = 'messages_p"
                + today.plusDays(14).toString().replace("-", "") + "' AND relnamespace = '" + SCHEMA
                + "'::regnamespace")).as("partitions made ahead").isEqualTo(1);
        // The counters say what the rows say, per client, day and type.
        assertThat(
                count("""
                        SELECT count(*) FROM (
                          SELECT m.client_id, (m.queued_at AT TIME ZONE 'UTC')::date AS day, m.type, count(*) AS accepted,
                                 count(*) FILTER (WHERE m.status = 'sent') AS sent, count(*) FILTER (WHERE m.status = 'failed') AS failed,
                                 count(*) FILTER (WHERE o.outcome = 'delivered') AS delivered,
                                 count(*) FILTER (WHERE o.outcome = 'undelivered') AS undelivered,
                                 coalesce(sum(m.credits) FILTER (WHERE m.status = 'sent'), 0) AS credits_charged,
                                 coalesce(sum(m.credits) FILTER (WHERE m.status = 'failed'), 0) AS credits_refunded
                          FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at
                          GROUP BY 1, 2, 3
                          EXCEPT SELECT client_id, day, type, accepted, sent, failed, delivered, undelivered, credits_charged,
                                        credits_refunded FROM usage_daily) diff"""))
                .isZero();
        assertThat(count("SELECT sum(accepted) FROM usage_daily")).isEqualTo(rows.size());
        // The primary key still refuses a second row for an id.
        try (Connection c = inSchema()) {
            assertThatThrownBy(() -> c.createStatement().execute(
                    "INSERT INTO messages SELECT * FROM messages WHERE id = '" + scheduled + "'"))
                    .hasMessageContaining("duplicate key");
        }
    }

    /** Every column but queued_at of every message, with its outcome and parts, as one ordered text. */
    private String fingerprint() throws SQLException {
        return text("""
                SELECT string_agg(concat_ws('|', m.id, m.client_id, m.type, m.to_number, m.from_number, m.content,
                         m.status, m.updated_at, m.error_message, m.attempts, m.segments, m.provider_message_id,
                         m.error_code, m.sent_at, m.credits, o.outcome, o.delivered_at, o.applied_at,
                         (SELECT string_agg(concat_ws(':', p.provider_message_id, p.part, p.state), ',' ORDER BY p.part)
                          FROM message_parts p WHERE p.message_id = m.id)), E'\\n' ORDER BY m.id)
                FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id""");
    }

    /**
     * A connection of its own, reading the upgraded schema: not one of the pool's, which would keep the search_path
     * for the tests that borrow it next.
     */
    private Connection inSchema() throws SQLException {
        Connection c = java.sql.DriverManager.getConnection(url, user, password);
        c.createStatement().execute("SET search_path = " + SCHEMA);
        return c;
    }

    private Connection checks() throws SQLException {
        if (checks == null) {
            checks = inSchema();
        }
        return checks;
    }

    private long count(String sql) throws SQLException {
        return Long.parseLong(text(sql));
    }

    private String text(String sql) throws SQLException {
        try (ResultSet rs = checks().createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
