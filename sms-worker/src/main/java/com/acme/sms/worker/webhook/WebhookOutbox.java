package com.acme.sms.worker.webhook;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The events waiting to be POSTed (V12, V13: {@code webhook_events}), as the dispatchers see them. A dispatcher takes
 * a client's due events by locking their rows in a transaction that lasts as long as the request
 * ({@code FOR UPDATE SKIP LOCKED}): dispatchers in several processes never take the same event at once, and when
 * one dies its transaction ends with its connection and the events are there for the next: at least once. A
 * delivered event is deleted in that transaction; one not delivered gets its next due time there.
 */
@ApplicationScoped
public class WebhookOutbox {

    /** An event as the receiver gets it. */
    public record Event(UUID eventId, UUID messageId, String status, String type, String to, int segments,
            String errorCode, String errorMessage, Instant occurredAt, int sequence, int attempts) {}

    /** A client's webhook. */
    public record Hook(String url, String secret) {}

    /**
     * Clients with events due now, starting after {@code after} in client order: one index probe per client that
     * has events (a skip scan), stopping at {@code limit}.
     */
    private static final String DUE_CLIENTS = """
            WITH RECURSIVE clients AS (
              (SELECT client_id FROM webhook_events WHERE failed_at IS NULL AND client_id > ? ORDER BY client_id LIMIT 1)
              UNION ALL
              SELECT (SELECT e.client_id FROM webhook_events e WHERE e.failed_at IS NULL AND e.client_id > c.client_id
                      ORDER BY e.client_id LIMIT 1)
              FROM clients c WHERE c.client_id IS NOT NULL
            )
            SELECT client_id FROM clients c
            WHERE client_id IS NOT NULL
              AND EXISTS (SELECT 1 FROM webhook_events e
                          WHERE e.client_id = c.client_id AND e.failed_at IS NULL AND e.due_at <= now())
            LIMIT ?
            """;

    /** The events with the client's webhook (the same on every row), in one round trip. */
    private static final String TAKE = """
            SELECT e.event_id, e.message_id, e.status, e.type, e.to_number, e.segments, e.error_code, e.error_message,
                   e.occurred_at, e.sequence, e.attempts, w.url, w.secret
            FROM webhook_events e LEFT JOIN webhooks w ON w.client_id = e.client_id
            WHERE e.client_id = ? AND e.failed_at IS NULL AND e.due_at <= now()
            ORDER BY e.due_at LIMIT ? FOR UPDATE OF e SKIP LOCKED
            """;

    /** By (message, status) pairs: a message's other event, not taken, stays. */
    private static final String DELIVERED = """
            DELETE FROM webhook_events w USING unnest(?::uuid[], ?::text[]) AS k(message_id, status)
            WHERE w.message_id = k.message_id AND w.status = k.status AND w.client_id = ?
            """;

    private static final String RETRY_LATER = """
            UPDATE webhook_events w SET due_at = now() + make_interval(secs => ?), last_error = ?,
                   attempts = w.attempts + 1,
                   failed_at = CASE WHEN w.since + make_interval(secs => ?) <= now() THEN now() END
            FROM unnest(?::uuid[], ?::text[]) AS k(message_id, status)
            WHERE w.message_id = k.message_id AND w.status = k.status AND w.client_id = ?
            RETURNING w.failed_at IS NOT NULL
            """;

    /**
     * A client's due events, taken: their rows stay locked until {@link #delivered}, {@link #retryLater} or
     * {@link #close} (which gives them back as they were).
     */
    public final class Taken implements AutoCloseable {
        private final Connection connection;
        private final String clientId;
        private final List<Event> events;
        private final Hook hook;

        Taken(Connection connection, String clientId, List<Event> events, Hook hook) {
            this.connection = connection;
            this.clientId = clientId;
            this.events = events;
            this.hook = hook;
        }

        public List<Event> events() {
            return events;
        }

        /** The client's webhook, or empty when it has none any more. */
        public Optional<Hook> hook() {
            return Optional.ofNullable(hook);
        }

        /** The receiver took them, or there is nobody to give them to: they are done. */
        public void delivered() throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(DELIVERED)) {
                keys(ps, 1);
                ps.setString(3, clientId);
                ps.executeUpdate();
            }
            connection.commit();
        }

        /**
         * The try failed: due again after {@code wait}, or, once their window has passed, given up (kept in the
         * failures list). Returns how many were given up.
         */
        public int retryLater(Duration wait, String error, Duration giveUpAfter) throws SQLException {
            int gaveUp = 0;
            try (PreparedStatement ps = connection.prepareStatement(RETRY_LATER)) {
                ps.setDouble(1, wait.toMillis() / 1000.0);
                ps.setString(2, error.length() > 500 ? error.substring(0, 500) : error);
                ps.setDouble(3, giveUpAfter.toMillis() / 1000.0);
                keys(ps, 4);
                ps.setString(6, clientId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (rs.getBoolean(1)) {
                            gaveUp++;
                        }
                    }
                }
            }
            connection.commit();
            return gaveUp;
        }

        private void keys(PreparedStatement ps, int at) throws SQLException {
            ps.setArray(at, connection.createArrayOf("uuid", events.stream().map(Event::messageId).toArray(UUID[]::new)));
            ps.setArray(at + 1, connection.createArrayOf("text", events.stream().map(Event::status).toArray(String[]::new)));
        }

        @Override
        public void close() throws SQLException {
            try {
                connection.rollback();
            } finally {
                connection.close();
            }
        }
    }

    private final AgroalDataSource dataSource;

    public WebhookOutbox(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Clients with events due now, at most {@code limit}, in client order after {@code after} (null: from the first). */
    public List<String> dueClients(String after, int limit) throws SQLException {
        List<String> clients = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(DUE_CLIENTS)) {
            ps.setString(1, after == null ? "" : after);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    clients.add(rs.getString(1));
                }
            }
        }
        return clients;
    }

    /**
     * Takes up to {@code max} of the client's due events, oldest due first, with its webhook; empty when none is
     * due (or another dispatcher holds them).
     */
    public Optional<Taken> take(String clientId, int max) throws SQLException {
        Connection c = dataSource.getConnection();
        try {
            c.setAutoCommit(false);
            // This transaction deletes delivered events or sets their next try: a commit lost in a crash only means
            // the events go again, which at-least-once allows. So it does not wait for its WAL to reach the disk:
            // waiting made every request an fsync beside the workers' writes, which must wait (money).
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit TO off");
            }
            List<Event> events = new ArrayList<>();
            Hook hook = null;
            try (PreparedStatement ps = c.prepareStatement(TAKE)) {
                ps.setString(1, clientId);
                ps.setInt(2, max);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new Event(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getInt(6), rs.getString(7), rs.getString(8),
                                rs.getTimestamp(9).toInstant(), rs.getInt(10), rs.getInt(11) + 1));
                        if (rs.getString(12) != null) {
                            hook = new Hook(rs.getString(12), rs.getString(13));
                        }
                    }
                }
            }
            if (events.isEmpty()) {
                c.rollback();
                c.close();
                return Optional.empty();
            }
            return Optional.of(new Taken(c, clientId, events, hook));
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } finally {
                c.close();
            }
            throw e;
        }
    }

    /**
     * Events not yet delivered nor given up, for the backlog gauge; counted up to {@code cap} (the gauge's use is
     * "many are waiting", and counting millions every few seconds would cost more than it tells).
     */
    public long backlog(long cap) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT count(*) FROM (SELECT 1 FROM webhook_events WHERE failed_at IS NULL LIMIT ?) waiting")) {
            ps.setLong(1, cap);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
