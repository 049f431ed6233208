package com.acme.sms.worker.persist;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The usage counters (V11) against the rows: for one client, every day and type's counters equal a count of its
 * messages and outcomes, and the credits charged equal what the ledger charged. The worker tests call it after each
 * scenario (sends, failures, retries, redeliveries, takeovers, receipts), so a statement that moved a row without
 * its counter, or counted a message twice, fails the scenario that did it.
 */
public final class UsageCounters {

    private UsageCounters() {}

    public static void assertMatchRows(AgroalDataSource db, String client) throws SQLException {
        assertThat(rows(db, """
                SELECT m.type, (m.queued_at AT TIME ZONE 'UTC')::date, count(*),
                       count(*) FILTER (WHERE m.status = 'sent'), count(*) FILTER (WHERE m.status = 'failed'),
                       count(*) FILTER (WHERE o.outcome = 'delivered'), count(*) FILTER (WHERE o.outcome = 'undelivered'),
                       coalesce(sum(m.credits) FILTER (WHERE m.status = 'sent'), 0),
                       coalesce(sum(m.credits) FILTER (WHERE m.status = 'failed'), 0)
                FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at
                WHERE m.client_id = ? GROUP BY 1, 2 ORDER BY 1, 2""", client))
                .as("usage_daily of %s against its rows", client)
                .isEqualTo(rows(db, """
                        SELECT type, day, accepted, sent, failed, delivered, undelivered, credits_charged, credits_refunded
                        FROM usage_daily WHERE client_id = ? ORDER BY 1, 2""", client));
        assertThat(rows(db, "SELECT coalesce(-sum(delta), 0) FROM credit_ledger WHERE client_id = ? AND reason = 'sent'",
                client)).as("credits charged by the ledger")
                .isEqualTo(rows(db, "SELECT coalesce(sum(credits_charged), 0) FROM usage_daily WHERE client_id = ?",
                        client));
    }

    private static List<List<String>> rows(AgroalDataSource db, String sql, String client) throws SQLException {
        List<List<String>> out = new ArrayList<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getString(i));
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }
}
