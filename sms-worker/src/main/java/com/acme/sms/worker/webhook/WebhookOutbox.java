package com.acme.sms.worker.webhook;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The events waiting to be POSTed (V12, {@code webhook_events}), as the dispatchers see them. An event is taken
 * with a lease (its due time moved ahead), so dispatchers in several processes never take the same one at once,
 * and one whose dispatcher died is taken again when the lease ends: delivery is at least once.
 */
@ApplicationScoped
public class WebhookOutbox {

    /** An event as the receiver gets it. */
    public record Event(UUID eventId, UUID messageId, String status, String type, String to, int segments,
            String errorCode, String errorMessage, Instant occurredAt, int sequence, int attempts) {}

    /** A client's webhook. */
    public record Hook(String url, String secret) {}

    private static final String DUE_CLIENTS = """
            SELECT DISTINCT client_id FROM (
              SELECT client_id FROM webhook_events WHERE failed_at IS NULL AND due_at <= now() ORDER BY due_at LIMIT ?
            ) due
            """;

    private static final String TAKE = """
            UPDATE webhook_events e SET due_at = now() + make_interval(secs => ?), attempts = e.attempts + 1
            FROM (SELECT event_id FROM webhook_events
                  WHERE client_id = ? AND failed_at IS NULL AND due_at <= now()
                  ORDER BY occurred_at, event_id LIMIT ? FOR UPDATE SKIP LOCKED) picked
            WHERE e.event_id = picked.event_id
            RETURNING e.event_id, e.message_id, e.status, e.type, e.to_number, e.segments, e.error_code,
                      e.error_message, e.occurred_at, e.sequence, e.attempts
            """;

    private static final String RETRY_LATER = """
            UPDATE webhook_events SET due_at = now() + make_interval(secs => ?), last_error = ?,
                   failed_at = CASE WHEN since + make_interval(secs => ?) <= now() THEN now() END
            WHERE event_id = ANY (?::uuid[])
            RETURNING failed_at IS NOT NULL
            """;

    private final AgroalDataSource dataSource;

    public WebhookOutbox(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Clients with events due now, at most about {@code limit}. */
    public Set<String> dueClients(int limit) throws SQLException {
        Set<String> clients = new LinkedHashSet<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(DUE_CLIENTS)) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    clients.add(rs.getString(1));
                }
            }
        }
        return clients;
    }

    /** The client's webhook, if it has one. */
    public Optional<Hook> hook(String clientId) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT url, secret FROM webhooks WHERE client_id = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Hook(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }

    /** Takes up to {@code max} of the client's due events, oldest first, for {@code lease}. */
    public List<Event> take(String clientId, int max, Duration lease) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(TAKE)) {
            ps.setDouble(1, lease.toMillis() / 1000.0);
            ps.setString(2, clientId);
            ps.setInt(3, max);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    events.add(new Event(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getInt(6), rs.getString(7), rs.getString(8),
                            rs.getTimestamp(9).toInstant(), rs.getInt(10), rs.getInt(11)));
                }
            }
        }
        // RETURNING gives no order: the receiver gets them oldest first.
        events.sort(java.util.Comparator.comparing(Event::occurredAt).thenComparing(Event::eventId));
        return events;
    }

    /** The receiver took them: they are done. */
    public void delivered(List<Event> events) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("DELETE FROM webhook_events WHERE event_id = ANY (?::uuid[])")) {
            ps.setArray(1, c.createArrayOf("uuid", ids(events)));
            ps.executeUpdate();
        }
    }

    /**
     * The try failed: the events are due again after {@code wait}, or, once their window has passed, given up
     * (kept in the failures list). Returns how many were given up.
     */
    public int retryLater(List<Event> events, Duration wait, String error, Duration giveUpAfter) throws SQLException {
        int gaveUp = 0;
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(RETRY_LATER)) {
            ps.setDouble(1, wait.toMillis() / 1000.0);
            ps.setString(2, error.length() > 500 ? error.substring(0, 500) : error);
            ps.setDouble(3, giveUpAfter.toMillis() / 1000.0);
            ps.setArray(4, c.createArrayOf("uuid", ids(events)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(1)) {
                        gaveUp++;
                    }
                }
            }
        }
        return gaveUp;
    }

    /** Events of a client that has no webhook any more: nobody to tell, so they are dropped. */
    public void drop(List<Event> events) throws SQLException {
        delivered(events);
    }

    /** Events not yet delivered nor given up, for the backlog gauge. */
    public long backlog() throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM webhook_events WHERE failed_at IS NULL");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static UUID[] ids(List<Event> events) {
        return events.stream().map(Event::eventId).toArray(UUID[]::new);
    }
}
