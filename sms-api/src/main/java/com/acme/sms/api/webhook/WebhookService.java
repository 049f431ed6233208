package com.acme.sms.api.webhook;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.webhook.WebhookSignature;
import com.acme.sms.webhook.WebhookUrlPolicy;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A client's status webhook (V12): where the workers POST its messages' status events, and the events they gave up
 * on. The URL is checked here against the same rules the workers apply before every delivery.
 */
@ApplicationScoped
public class WebhookService {

    /** The most failures one page lists. */
    public static final int MAX_PAGE = 1000;

    /** A client's webhook as the API shows it: never the secret. */
    public record Webhook(String url, boolean secretSet, Instant createdAt, Instant updatedAt) {}

    /** An event the workers gave up delivering. */
    public record Failure(UUID eventId, UUID messageId, String status, String type, String to, int segments,
            String errorCode, String errorMessage, Instant occurredAt, int sequence, int attempts, String lastError,
            Instant failedAt) {}

    /** Where a failures page starts: after this event. */
    public record Position(Instant occurredAt, UUID eventId) {}

    private final AgroalDataSource db;
    private final int queryTimeoutSeconds;
    private final WebhookUrlPolicy policy;

    public WebhookService(AgroalDataSource db, StoreBounds bounds, WebhookSettings settings) {
        this.db = db;
        this.queryTimeoutSeconds = bounds.queryTimeoutSeconds();
        this.policy = new WebhookUrlPolicy(settings.allowHttp(), settings.allowPrivateAddresses());
    }

    /** Sets the client's webhook; true when it had none. Refuses a URL the workers would not call, or a bad secret. */
    public boolean set(String clientId, String url, String secret) {
        if (secret == null || secret.length() < WebhookSignature.MIN_SECRET
                || secret.length() > WebhookSignature.MAX_SECRET || !secret.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
            throw new ProblemException(ProblemCode.INVALID_WEBHOOK_SECRET, "secret must be " + WebhookSignature.MIN_SECRET
                    + " to " + WebhookSignature.MAX_SECRET + " printable ASCII characters without spaces.");
        }
        try {
            policy.check(url);
        } catch (WebhookUrlPolicy.Refused e) {
            throw new ProblemException(ProblemCode.WEBHOOK_URL_NOT_ALLOWED, e.getMessage() + ".");
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO webhooks AS w (client_id, url, secret) VALUES (?, ?, ?)
                ON CONFLICT (client_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret, updated_at = now()
                RETURNING w.created_at = w.updated_at
                """)) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setString(1, clientId);
            ps.setString(2, url);
            ps.setString(3, secret);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("setting the webhook", e);
        }
    }

    public Optional<Webhook> find(String clientId) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT url, secret <> '', created_at, updated_at FROM webhooks WHERE client_id = ?")) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new Webhook(rs.getString(1), rs.getBoolean(2),
                        rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant())) : Optional.empty();
            }
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("reading the webhook", e);
        }
    }

    /**
     * Removes the client's webhook and every event of it not yet delivered, failed ones included: with no URL
     * there is nobody to deliver them to. False when it had none.
     */
    public boolean remove(String clientId) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement hook = c.prepareStatement("DELETE FROM webhooks WHERE client_id = ?");
                    PreparedStatement events = c.prepareStatement("DELETE FROM webhook_events WHERE client_id = ?")) {
                hook.setQueryTimeout(queryTimeoutSeconds);
                hook.setString(1, clientId);
                boolean had = hook.executeUpdate() > 0;
                events.setQueryTimeout(queryTimeoutSeconds);
                events.setString(1, clientId);
                events.executeUpdate();
                c.commit();
                return had;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("removing the webhook", e);
        }
    }

    /** Up to {@code limit} of the client's failed events, oldest first, after {@code after} (null: from the first). */
    public List<Failure> failures(String clientId, Position after, int limit) {
        String sql = """
                SELECT event_id, message_id, status, type, to_number, segments, error_code, error_message, occurred_at,
                       sequence, attempts, last_error, failed_at
                FROM webhook_events
                WHERE client_id = ? AND failed_at IS NOT NULL AND (occurred_at, event_id) > (?, ?)
                ORDER BY occurred_at, event_id LIMIT ?
                """;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setString(1, clientId);
            ps.setTimestamp(2, Timestamp.from(after == null ? Instant.EPOCH : after.occurredAt()));
            ps.setObject(3, after == null ? new UUID(0, 0) : after.eventId());
            ps.setInt(4, limit);
            List<Failure> page = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(new Failure(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                            rs.getString(4), rs.getString(5), rs.getInt(6), rs.getString(7), rs.getString(8),
                            rs.getTimestamp(9).toInstant(), rs.getInt(10), rs.getInt(11), rs.getString(12),
                            rs.getTimestamp(13).toInstant()));
                }
            }
            return page;
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("reading the webhook failures", e);
        }
    }

    /** Puts a failed event back to be delivered now, with a new window of tries; false when there is no such failure. */
    public boolean retry(String clientId, UUID eventId) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                UPDATE webhook_events SET failed_at = NULL, attempts = 0, due_at = now(), since = now(), last_error = NULL
                WHERE client_id = ? AND event_id = ? AND failed_at IS NOT NULL
                """)) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setString(1, clientId);
            ps.setObject(2, eventId);
            return ps.executeUpdate() > 0;
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("re-triggering the webhook event", e);
        }
    }
}
