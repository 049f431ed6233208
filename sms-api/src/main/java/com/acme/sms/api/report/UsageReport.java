package com.acme.sms.api.report;

import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.message.MessageType;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's usage per UTC day and message type, from the counters the workers keep in the same transaction as the
 * message rows (usage_daily, V11): exact, and a few rows per day however many messages there were. The counters
 * outlive the rows, so a report can reach further back than the message log.
 */
@ApplicationScoped
public class UsageReport {

    private final AgroalDataSource db;
    private final int queryTimeoutSeconds;

    public UsageReport(AgroalDataSource db, StoreBounds bounds) {
        this.db = db;
        this.queryTimeoutSeconds = bounds.queryTimeoutSeconds();
    }

    /**
     * The counters of one day and type, or their sum. {@code accepted}: messages a worker recorded, whatever became
     * of them; {@code delivered} and {@code undelivered} are receipts of sent ones; credits as charged when sent and
     * given back when failed.
     */
    public record Counts(long accepted, long sent, long delivered, long undelivered, long failed, long creditsCharged,
            long creditsRefunded) {

        static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0, 0);

        Counts plus(Counts o) {
            return new Counts(accepted + o.accepted, sent + o.sent, delivered + o.delivered,
                    undelivered + o.undelivered, failed + o.failed, creditsCharged + o.creditsCharged,
                    creditsRefunded + o.creditsRefunded);
        }
    }

    /** One day's counters of one type ({@code normal} or {@code express}). */
    public record Day(LocalDate day, String type, Counts counts) {}

    /** The days with counters, by day then type (days without messages are not listed), and their sum. */
    public record Usage(List<Day> days, Counts totals) {}

    /** The client's counters from {@code from} to {@code to}, both included; of one type, or of both when null. */
    public Usage find(String clientId, LocalDate from, LocalDate to, MessageType type) {
        String sql = "SELECT day, type, accepted, sent, delivered, undelivered, failed, credits_charged,"
                + " credits_refunded FROM usage_daily WHERE client_id = ? AND day >= ? AND day <= ?"
                + (type == null ? "" : " AND type = ?") + " ORDER BY day, type";
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setString(1, clientId);
            ps.setObject(2, from);
            ps.setObject(3, to);
            if (type != null) {
                ps.setString(4, type.wireName());
            }
            List<Day> days = new ArrayList<>();
            Counts totals = Counts.ZERO;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Counts counts = new Counts(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6),
                            rs.getLong(7), rs.getLong(8), rs.getLong(9));
                    days.add(new Day(rs.getObject(1, LocalDate.class), rs.getString(2), counts));
                    totals = totals.plus(counts);
                }
            }
            return new Usage(List.copyOf(days), totals);
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("reading the usage report", e);
        }
    }
}
