package com.acme.sms.worker.receipt;

import com.acme.sms.worker.webhook.WebhookEvents;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Applies receipts to the messages in PostgreSQL, in one transaction per batch. Only a {@code sent} message without
 * an outcome gets one ({@code delivered} or {@code undelivered}, shown as its status; V7 says why it is a row of
 * {@code message_outcomes}, V14 why it names the message's client and type) and only a part without a state gets
 * one, so a duplicate receipt, a late intermediate one or the same batch applied twice changes nothing: a final
 * status never goes back.
 */
@ApplicationScoped
public class ReceiptStore {

    /** A message a receipt moved to a final status now, and when it was accepted. */
    public record Finalized(UUID messageId, String status, Instant queuedAt, String type) {}

    /**
     * @param known the provider ids that belong to a message we saved (applied now or before)
     * @param changed the provider ids whose receipt changed a message or a part now
     * @param finalized the messages whose status the receipts changed
     */
    public record Applied(Set<String> known, Set<String> changed, List<Finalized> finalized) {}

    /**
     * The day's counters move with the outcomes, in the same statement (V11). Given the name of a relation of
     * (outcome, queued_at, client_id, type), one row per message that got its outcome now.
     */
    private static final String COUNT_OUTCOMES = """
              INSERT INTO usage_daily AS u (client_id, day, type, delivered, undelivered)
              SELECT client_id, (queued_at AT TIME ZONE 'UTC')::date, type,
                     count(*) FILTER (WHERE outcome = 'delivered'), count(*) FILTER (WHERE outcome = 'undelivered')
              FROM %s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
              ON CONFLICT (client_id, day, type) DO UPDATE
                SET delivered = u.delivered + EXCLUDED.delivered, undelivered = u.undelivered + EXCLUDED.undelivered
            """;

    /** Status webhooks (V12): an event for each message a receipt made final, in the statement that did it. */
    private static final String EVENTS = WebhookEvents.insertFrom("""
            (SELECT message_id, outcome AS status, client_id, type, to_number, segments, error_code, error_message,
                    2 AS sequence
             FROM finals)""");

    /**
     * Single-part messages are final at their receipt; parts get their state. One statement, one round trip. An
     * outcome is inserted once (message_outcomes, V7) and never updated: a second receipt for the message finds the
     * row there and changes nothing.
     */
    private static final String APPLY = """
            WITH r AS (
              SELECT DISTINCT ON (pid) pid, state, done_at, err
              FROM unnest(?::text[], ?::text[], ?::timestamptz[], ?::text[]) AS t(pid, state, done_at, err)
              -- a final state wins over an intermediate one of the same batch
              ORDER BY pid, state IN ('ENROUTE', 'ACCEPTD')
            ), target AS MATERIALIZED (
              -- One index lookup per receipt, by construction (a LATERAL with LIMIT is a nested loop): a join here
              -- was planned as a hash join over every row of messages whenever the column's statistics were
              -- missing or stale (a new column, a fresh table), which made 1,000 receipts take over 30 s.
              SELECT r.*, m.id, m.queued_at, m.client_id, m.type, m.to_number, m.segments
              FROM r
              JOIN LATERAL (SELECT m.id, m.queued_at, m.client_id, m.type, m.to_number, m.segments FROM messages m
                            WHERE m.provider_message_id = r.pid AND m.status = 'sent' AND m.queued_at BETWEEN :recent
                            LIMIT 1) m ON true
              WHERE r.state NOT IN ('ENROUTE', 'ACCEPTD')
                AND NOT EXISTS (SELECT 1 FROM message_parts p WHERE p.provider_message_id = r.pid
                                AND p.queued_at BETWEEN :recent)
            ), single AS (
              INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, error_code, error_message,
                                            client_id, type)
              SELECT t.id, t.queued_at, CASE WHEN t.state = 'DELIVRD' THEN 'delivered' ELSE 'undelivered' END, t.done_at,
                     CASE WHEN t.state = 'DELIVRD' THEN NULL ELSE coalesce(t.err, t.state) END,
                     CASE WHEN t.state = 'DELIVRD' THEN NULL
                          ELSE 'receipt: ' || t.state || coalesce(' (err ' || t.err || ')', '') END,
                     t.client_id, t.type
              FROM target t
              ON CONFLICT (message_id, queued_at) DO NOTHING
              RETURNING message_id, outcome, error_code, error_message
            ), part AS (
              UPDATE message_parts p SET state = r.state, done_at = r.done_at, error_code = coalesce(r.err, r.state)
              FROM r
              WHERE p.provider_message_id = r.pid AND p.queued_at BETWEEN :recent AND p.state IS NULL
                AND r.state NOT IN ('ENROUTE', 'ACCEPTD')
              RETURNING r.pid, p.message_id
            ), finals AS MATERIALIZED (
              SELECT t.pid, s.message_id, s.outcome, t.queued_at, t.client_id, t.type, t.to_number, t.segments,
                     s.error_code, s.error_message
              FROM single s JOIN target t ON t.id = s.message_id
            ), rest AS MATERIALIZED (
              -- The receipts that changed nothing and found no sent message: whether they belong to a message we
              -- saved (a duplicate, an intermediate state) rather than to none (yet) is asked in this statement. A
              -- second statement saw rows saved after this one began, and took a receipt that had found no row here
              -- for one already applied: it was lost (SmppIT, receipts arriving as their batch was saved). Asked only
              -- for these, usually few, after the others are set apart (MATERIALIZED): for all of them it was a third
              -- of a batch's time.
              SELECT r.pid FROM r
              WHERE NOT EXISTS (SELECT 1 FROM target t WHERE t.pid = r.pid)
                AND NOT EXISTS (SELECT 1 FROM part WHERE part.pid = r.pid)
            ), usage AS (
            """ + COUNT_OUTCOMES.formatted("finals") + """
            ), events AS (
            """ + EVENTS + """
            )
            SELECT 'final', pid, message_id, outcome, queued_at, type FROM finals
            UNION ALL SELECT 'events', count(*)::text, NULL, NULL, NULL, NULL FROM events
            UNION ALL SELECT 'part', pid, message_id, NULL, NULL, NULL FROM part
            UNION ALL SELECT 'known', pid, NULL, NULL, NULL, NULL FROM target
            -- A LATERAL with LIMIT, one index lookup per receipt (as target): EXISTS ... OR EXISTS was planned as a
            -- hashed subplan that read every row of messages (1.7 s for a batch of 550 under bench/run e2e).
            UNION ALL SELECT 'known', rest.pid, NULL, NULL, NULL, NULL FROM rest
            JOIN LATERAL (SELECT 1 FROM messages m WHERE m.provider_message_id = rest.pid AND m.queued_at BETWEEN :recent
                          UNION ALL
                          SELECT 1 FROM message_parts p WHERE p.provider_message_id = rest.pid
                                                          AND p.queued_at BETWEEN :recent
                          LIMIT 1) found ON true
            """;

    /**
     * For this transaction only: plan each statement for the batch at hand, and never read the messages table from
     * end to end (nor a whole index of it, as a seq scan's stand-in). Without statistics on provider_message_id
     * (a new column, a fresh table) the planner took each id for 1 row in 200 and read every row of messages for a
     * batch: 1,000 receipts took over 30 s under bench/run. The receipts are always few against the table, so an
     * index lookup per receipt is always right.
     * <p>
     * And no JIT compilation: the same pessimistic estimate (thousands of rows per id) put APPLY above
     * {@code jit_optimize_above_cost}, and PostgreSQL compiled and optimized 56 functions for every batch: 1.5 to
     * 2.5 s of a core per 1,000 receipts under bench/run sla, for a statement that runs in 40 ms without it.
     */
    private static final String PLAN_FOR_THIS_BATCH = """
            SELECT set_config('plan_cache_mode', 'force_custom_plan', true), set_config('enable_seqscan', 'off', true),
                   set_config('jit', 'off', true)
            """;

    /**
     * A message in parts is delivered once every part is, undelivered once any part is not. Run after APPLY in
     * the same transaction, so it sees the parts' new states.
     */
    private static final String SETTLE_PARTS = """
            WITH agg AS (
              SELECT message_id, queued_at,
                     count(*) FILTER (WHERE state IS NULL) AS open,
                     count(*) FILTER (WHERE state IS NOT NULL AND state <> 'DELIVRD') AS bad,
                     max(done_at) AS done_at,
                     min(state || coalesce(' (err ' || error_code || ')', '')) FILTER (WHERE state <> 'DELIVRD') AS why,
                     min(error_code) FILTER (WHERE state <> 'DELIVRD') AS err
              FROM message_parts WHERE message_id = ANY (?::uuid[]) AND queued_at BETWEEN :recent
              GROUP BY message_id, queued_at
            ), settled AS (
              INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, error_code, error_message,
                                            client_id, type)
              SELECT agg.message_id, agg.queued_at, CASE WHEN agg.bad > 0 THEN 'undelivered' ELSE 'delivered' END, agg.done_at,
                     agg.err, CASE WHEN agg.bad > 0 THEN 'receipt: ' || agg.why END, m.client_id, m.type
              FROM agg JOIN messages m ON m.id = agg.message_id AND m.queued_at = agg.queued_at AND m.status = 'sent'
              WHERE agg.bad > 0 OR agg.open = 0
              ON CONFLICT (message_id, queued_at) DO NOTHING
              RETURNING message_id, queued_at, outcome, error_code, error_message
            ), finals AS MATERIALIZED (
              SELECT s.message_id, s.outcome, s.queued_at, m.client_id, m.type, m.to_number, m.segments, s.error_code,
                     s.error_message
              FROM settled s JOIN messages m ON m.id = s.message_id AND m.queued_at = s.queued_at
            ), usage AS (
            """ + COUNT_OUTCOMES.formatted("finals") + """
            ), events AS (
            """ + EVENTS + """
            )
            SELECT message_id, outcome, queued_at, (SELECT count(*) FROM events), type FROM finals
            """;

    private final AgroalDataSource dataSource;
    private final Counter webhookEvents;
    private final int timeoutSeconds;
    private final String applySql;
    private final String settlePartsSql;

    public ReceiptStore(AgroalDataSource dataSource, ReceiptsConfig config, MeterRegistry registry) {
        this.dataSource = dataSource;
        this.webhookEvents = WebhookEvents.produced(registry);
        this.timeoutSeconds = (int) Math.max(1, (config.statementTimeout().toMillis() + 999) / 1000);
        // Stable expressions, not parameters: PostgreSQL leaves out the partitions of older days and of the days
        // made ahead as the statement starts. Whole seconds from configuration, so no text from outside enters the
        // statement. A day ahead for clocks that disagree.
        String recent = "now() - make_interval(secs => " + Math.max(1, config.matchWindow().toSeconds())
                + ") AND now() + interval '1 day'";
        this.applySql = APPLY.replace(":recent", recent);
        this.settlePartsSql = SETTLE_PARTS.replace(":recent", recent);
    }

    /**
     * @param receivedAt when each receipt reached us, the done date of a receipt that carries none
     */
    public Applied apply(List<Receipt> receipts, List<Instant> receivedAt) throws SQLException {
        int n = receipts.size();
        String[] ids = new String[n];
        String[] states = new String[n];
        Timestamp[] done = new Timestamp[n];
        String[] errors = new String[n];
        for (int i = 0; i < n; i++) {
            Receipt r = receipts.get(i);
            ids[i] = r.providerId();
            states[i] = r.state().name();
            done[i] = Timestamp.from(r.doneAt() != null ? r.doneAt() : receivedAt.get(i));
            errors[i] = r.errorCode();
        }
        Set<String> known = new HashSet<>();
        Set<String> changed = new HashSet<>();
        List<Finalized> finalized = new ArrayList<>();
        Set<UUID> partsOf = new HashSet<>();
        long events = 0;
        long settledEvents = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement(PLAN_FOR_THIS_BATCH)) {
                    ps.executeQuery().close();
                }
                try (PreparedStatement ps = c.prepareStatement(applySql)) {
                    ps.setQueryTimeout(timeoutSeconds);
                    ps.setArray(1, c.createArrayOf("text", ids));
                    ps.setArray(2, c.createArrayOf("text", states));
                    ps.setArray(3, c.createArrayOf("timestamptz", done));
                    ps.setArray(4, c.createArrayOf("text", errors));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            switch (rs.getString(1)) {
                                case "final" -> {
                                    changed.add(rs.getString(2));
                                    finalized.add(finalized(rs, 3, 6));
                                }
                                case "part" -> {
                                    changed.add(rs.getString(2));
                                    partsOf.add(rs.getObject(3, UUID.class));
                                }
                                case "events" -> events += Long.parseLong(rs.getString(2));
                                default -> known.add(rs.getString(2));
                            }
                        }
                    }
                }
                known.addAll(changed);
                if (!partsOf.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(settlePartsSql)) {
                        ps.setQueryTimeout(timeoutSeconds);
                        ps.setArray(1, c.createArrayOf("uuid", partsOf.toArray(new UUID[0])));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                finalized.add(finalized(rs, 1, 5));
                                settledEvents = rs.getLong(4);
                            }
                        }
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
        webhookEvents.increment(events + settledEvents);
        return new Applied(known, changed, finalized);
    }

    private static Finalized finalized(ResultSet rs, int from, int typeColumn) throws SQLException {
        return new Finalized(rs.getObject(from, UUID.class), rs.getString(from + 1),
                rs.getTimestamp(from + 2).toInstant(), rs.getString(typeColumn));
    }
}
