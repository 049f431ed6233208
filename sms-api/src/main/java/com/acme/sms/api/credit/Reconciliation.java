package com.acme.sms.api.credit;

import com.acme.sms.api.config.CreditConfig;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.optout.OptOuts;
import com.acme.sms.queue.MessageCodec;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Checks the conservation of credit, per client: credit added = live balance + charged for sent + charged for
 * still queued (in a stream, in flight, or waiting for a retry). Failed messages are refunded, so they count in
 * none of these. Run it at a quiet moment (no traffic, or at least drained queues): in the middle of a batch a
 * message can be written as failed but not yet refunded, which shows as a passing drift of one.
 *
 * <p>{@link #rebuild()} sets every live balance to what PostgreSQL and the queues say it must be: the way back
 * after Redis lost its data (messages Redis lost were never sent, so their clients get their credit back). It is
 * exact while the system runs, or refuses: see its documentation.
 */
@ApplicationScoped
public class Reconciliation {

    /** The live balance reported for a corrupt balance key: no real balance is negative, so it is always drift. */
    static final long CORRUPT = -1;

    private static final int SCAN_CHUNK = 10_000;

    private static final Duration FREEZE_MARGIN = Duration.ofMinutes(2);
    private static final Duration DRAIN_POLL = Duration.ofMillis(100);
    private static final Duration REDIS_WAIT = Duration.ofSeconds(10);
    private static final LuaScript REBUILD_SET = LuaScript.load("rebuild_set");
    private static final LuaScript REBUILD_UNFREEZE = LuaScript.load("rebuild_unfreeze");

    private final AgroalDataSource db;
    private final RedisDataSource redis;
    private final ObjectMapper json;
    private final LuaScripts scripts;
    private final CreditConfig config;
    private final OptOuts optOuts;

    public Reconciliation(AgroalDataSource db, RedisDataSource redis, ObjectMapper json, LuaScripts scripts,
            CreditConfig config, OptOuts optOuts) {
        this.db = db;
        this.redis = redis;
        this.json = json;
        this.scripts = scripts;
        this.config = config;
        this.optOuts = optOuts;
    }

    /**
     * One client's figures; {@code drift} is live minus expected balance, where expected counts every top-up recorded.
     * {@code pendingTopUps} is the credit of top-ups recorded in PostgreSQL and not yet known to be in Redis (Redis did
     * not answer in time; the recovery job applies them within {@code sms.credit.recovery-age}): each is either in the
     * live balance already or not yet, so a drift from -pendingTopUps to 0 is not a fault, and a later check is exact.
     */
    public record ClientCheck(String clientId, long added, long sent, long queued, long liveBalance, long expectedBalance,
            long drift, long postgresBalance, boolean ledgerConsistent, long pendingTopUps) {

        public boolean ok() {
            return drift <= 0 && drift >= -pendingTopUps && ledgerConsistent;
        }
    }

    public record Report(int clientsChecked, int clientsWithDrift, long queuedMessages, List<ClientCheck> clients) {}

    /** Checks every client (or one); the report lists only clients with a problem unless {@code all}. */
    public Report check(String onlyClient, boolean all) {
        Map<String, long[]> pg = postgres(onlyClient);
        Map<String, Long> queued = queuedPerClient();
        List<ClientCheck> listed = new ArrayList<>();
        int drifting = 0;
        long queuedTotal = queued.values().stream().mapToLong(Long::longValue).sum();
        for (Map.Entry<String, long[]> e : pg.entrySet()) {
            ClientCheck c = check(e.getKey(), e.getValue(), queued.getOrDefault(e.getKey(), 0L));
            if (!c.ok()) {
                drifting++;
            }
            if (all || !c.ok()) {
                listed.add(c);
            }
        }
        return new Report(pg.size(), drifting, queuedTotal, listed);
    }

    /**
     * Sets each client's live balance to credit added - sent - still queued, exactly, while the system runs: first it
     * freezes everything that moves credit between Redis and PostgreSQL outside the workers (acceptance, due retries,
     * requeued dead letters, top-ups reaching Redis), then waits until the workers have finished every queued and
     * in-flight message (both streams empty), so that nothing moves between its reads and its writes; then it reads
     * PostgreSQL in one snapshot and the (frozen) retry schedules, and sets each balance only while its freeze still
     * holds. Returns the clients whose balance changed.
     *
     * @throws RebuildRefusedException when the queues did not drain in time or another rebuild runs; nothing was set
     */
    public Report rebuild() {
        String token = UUID.randomUUID().toString();
        Duration drainWait = config.rebuildDrainWait();
        // The freeze outlives a rebuild that dies (the API killed mid-way) only by this much.
        long freezeMillis = drainWait.plus(FREEZE_MARGIN).toMillis();
        Response set = redis.execute("SET", RedisKeys.rebuildFreeze(), token, "NX", "PX", Long.toString(freezeMillis));
        if (set == null || !"OK".equals(set.toString())) {
            throw new RebuildRefusedException("another rebuild is running; try again when it has finished.");
        }
        try {
            awaitDrainedQueues(drainWait);
            Snapshot pg = snapshot();
            Map<String, Long> queued = scheduledRetriesPerClient(pg.finishedIds());
            List<ClientCheck> changed = new ArrayList<>();
            for (Map.Entry<String, long[]> e : pg.figures().entrySet()) {
                String client = e.getKey();
                long[] f = e.getValue();
                long q = queued.getOrDefault(client, 0L);
                List<TopUpLedger.Pending> pending = pg.pending().getOrDefault(client, List.of());
                List<String> keys = new ArrayList<>(2 + pending.size());
                List<String> args = new ArrayList<>(3 + pending.size());
                keys.add(RedisKeys.rebuildFreeze());
                keys.add(RedisKeys.balance(client));
                args.add(token);
                args.add(Long.toString(f[4] - f[1] - q));
                args.add(Long.toString(CreditScripts.APPLIED_MARKER_TTL.toSeconds()));
                for (TopUpLedger.Pending p : pending) {
                    keys.add(RedisKeys.creditApplied(client, p.ledgerId()));
                    args.add(Long.toString(p.amount()));
                }
                io.vertx.mutiny.redis.client.Response r = scripts.run(REBUILD_SET, keys, args).await().atMost(REDIS_WAIT);
                if (r.get(0).toLong() != 1) {
                    throw new RebuildRefusedException("its freeze expired before it finished; the balances set so far "
                            + "are exact, run it again for the rest.");
                }
                long before = r.get(1).toLong();
                long after = r.get(2).toLong();
                if (before != after) {
                    Log.warnf("Reconciliation: live balance of %s set from %d to %d", client, before, after);
                    // Every pending top-up of the client was applied by this rebuild: none is pending after it.
                    changed.add(new ClientCheck(client, f[0], f[1], q, before, after, before - after, f[2],
                            f[2] == f[3] && f[2] == f[0] - f[1], 0));
                }
            }
            // Redis that lost data may also hold opt-out copies older than PostgreSQL's list: reload them all.
            long forgotten = optOuts.forgetRedisCopies();
            Log.infof("Reconciliation: %d clients' opt-out copies dropped; each is loaded again at its next send",
                    forgotten);
            return new Report(pg.figures().size(), changed.size(), queued.values().stream().mapToLong(Long::longValue).sum(),
                    changed);
        } finally {
            scripts.run(REBUILD_UNFREEZE, List.of(RedisKeys.rebuildFreeze()), List.of(token)).await().atMost(REDIS_WAIT);
        }
    }

    /** Waits until both streams are empty: every message accepted before the freeze was finished by a worker. */
    private void awaitDrainedQueues(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = 0;
            for (MessageType type : MessageType.values()) {
                left += redis.stream(String.class).xlen(RedisKeys.stream(type));
            }
            if (left == 0) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new RebuildRefusedException(left + " messages were still queued or in flight after " + wait
                        + " (sms.credit.rebuild-drain-wait). Workers of both types must run and finish them: check "
                        + "sms_queue_depth and the workers' health, then try again.");
            }
            try {
                Thread.sleep(DRAIN_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RebuildRefusedException("interrupted while waiting for the queues to drain.");
            }
        }
    }

    /**
     * PostgreSQL in one snapshot: the figures per client ({@link #postgres}'s, plus the top-ups known to be applied),
     * the top-ups still pending, and the ids of messages already final (a retry of one, brought back by an old
     * Redis snapshot, is not queued).
     */
    private record Snapshot(Map<String, long[]> figures, Map<String, List<TopUpLedger.Pending>> pending,
            java.util.Set<String> finishedIds) {}

    private Snapshot snapshot() {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try {
                Map<String, long[]> figures = postgres(c, null);
                Map<String, List<TopUpLedger.Pending>> pending = new HashMap<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT id, client_id, delta FROM credit_ledger WHERE applied_at IS NULL AND reason = 'top_up' ORDER BY id");
                        ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        pending.computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
                                .add(new TopUpLedger.Pending(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                    }
                }
                java.util.Set<String> finished = new java.util.HashSet<>();
                List<String> retryIds = retryMessageIds();
                if (!retryIds.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT id::text FROM messages WHERE id = ANY (?::uuid[])"
                                    + " AND queued_at BETWEEN ?::timestamptz AND ?::timestamptz"
                                    + " AND status IN ('sent', 'failed')")) {
                        ps.setArray(1, c.createArrayOf("text", retryIds.toArray()));
                        // The range of the ids' times (V10) names the partitions to read: their days. PostgreSQL
                        // prunes partitions by a parameter, never by the elements of an array parameter.
                        List<Instant> known = retryIds.stream().map(id -> UuidV7.time(UUID.fromString(id)))
                                .flatMap(java.util.Optional::stream).sorted().toList();
                        ps.setString(2, known.isEmpty() ? null : known.get(0).toString());
                        ps.setString(3, known.isEmpty() ? null : known.get(known.size() - 1).toString());
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                finished.add(rs.getString(1));
                            }
                        }
                    }
                }
                c.commit();
                return new Snapshot(figures, pending, finished);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reconciliation could not read PostgreSQL", e);
        }
    }

    private List<String> retryMessageIds() {
        List<String> ids = new ArrayList<>();
        for (MessageType type : MessageType.values()) {
            for (String member : redis.sortedSet(String.class).zrange(RedisKeys.retryKey(type), 0, -1)) {
                Map<String, String> fields = retryFields(type, member);
                if (fields != null && fields.get(MessageCodec.ID) != null) {
                    try {
                        ids.add(UUID.fromString(fields.get(MessageCodec.ID)).toString());
                    } catch (IllegalArgumentException notAnId) {
                        // counted as queued: the workers dead-letter and refund it
                    }
                }
            }
        }
        return ids;
    }

    /** Retries waiting in the (frozen) schedules, per client, leaving out messages PostgreSQL already has as final. */
    private Map<String, Long> scheduledRetriesPerClient(java.util.Set<String> finishedIds) {
        Map<String, Long> counts = new HashMap<>();
        for (MessageType type : MessageType.values()) {
            for (String member : redis.sortedSet(String.class).zrange(RedisKeys.retryKey(type), 0, -1)) {
                Map<String, String> fields = retryFields(type, member);
                if (fields == null || fields.get(MessageCodec.CLIENT) == null) {
                    continue;
                }
                String id = fields.get(MessageCodec.ID);
                if (id != null && finishedIds.contains(id.toLowerCase(java.util.Locale.ROOT))) {
                    continue;
                }
                counts.merge(fields.get(MessageCodec.CLIENT), credits(fields), Long::sum);
            }
        }
        return counts;
    }

    /**
     * What a queued entry was charged (field u; absent: one credit). An unreadable value counts as one: the worker
     * dead-letters such an entry unrefunded, and the drift then shows it, as for any malformed entry.
     */
    private static long credits(Map<String, String> fields) {
        String credits = fields.get(MessageCodec.CREDITS);
        if (credits == null) {
            return 1;
        }
        try {
            return Math.max(1, Long.parseLong(credits));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    private Map<String, String> retryFields(MessageType type, String member) {
        try {
            return json.readValue(member, new TypeReference<Map<String, String>>() {});
        } catch (Exception e) {
            Log.warnf("Reconciliation: unreadable retry entry in %s", RedisKeys.retryKey(type));
            return null;
        }
    }

    private ClientCheck check(String client, long[] figures, long queued) {
        long added = figures[0];
        long sent = figures[1];
        long pgBalance = figures[2];
        long ledgerSum = figures[3];
        long live = liveBalance(client);
        long expected = added - sent - queued;
        boolean ledgerOk = pgBalance == ledgerSum && pgBalance == added - sent;
        long pending = added - figures[4];
        return new ClientCheck(client, added, sent, queued, live, expected, live - expected, pgBalance, ledgerOk,
                pending);
    }

    /**
     * The client's live balance; {@link #CORRUPT} when its key holds no integer (a string that is not a number, a key
     * of another type): reported as drift, so the rebuild sets it, instead of failing the whole check (the repair
     * of refunds the workers parked for such a client, README Operations).
     */
    private long liveBalance(String client) {
        String raw;
        try {
            raw = redis.value(String.class).get(RedisKeys.balance(client));
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("WRONGTYPE")) {
                return CORRUPT;
            }
            throw e;
        }
        if (raw == null) {
            return 0;
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException e) {
            return CORRUPT;
        }
    }

    /** client → {credit added, credits of the messages sent (the usage counters, V11), credits.balance, sum of the ledger, credit added and applied}. */
    private Map<String, long[]> postgres(String onlyClient) {
        try (Connection c = db.getConnection()) {
            return postgres(c, onlyClient);
        } catch (SQLException e) {
            throw new IllegalStateException("reconciliation could not read PostgreSQL", e);
        }
    }

    private static Map<String, long[]> postgres(Connection c, String onlyClient) throws SQLException {
        String sql = """
                SELECT c.client_id,
                       COALESCE((SELECT sum(delta) FROM credit_ledger l WHERE l.client_id = c.client_id AND l.reason = 'top_up'), 0),
                       (SELECT COALESCE(sum(u.credits_charged), 0) FROM usage_daily u WHERE u.client_id = c.client_id),
                       c.balance,
                       COALESCE((SELECT sum(delta) FROM credit_ledger l WHERE l.client_id = c.client_id), 0),
                       COALESCE((SELECT sum(delta) FROM credit_ledger l WHERE l.client_id = c.client_id AND l.reason = 'top_up'
                                 AND l.applied_at IS NOT NULL), 0)
                FROM credits c
                """
                + (onlyClient == null ? "" : " WHERE c.client_id = ?");
        Map<String, long[]> result = new TreeMap<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (onlyClient != null) {
                ps.setString(1, onlyClient);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.put(rs.getString(1),
                            new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)});
                }
            }
        }
        return result;
    }

    /** Messages charged but not finished, per client: stream entries (queued or in flight) and scheduled retries. */
    private Map<String, Long> queuedPerClient() {
        Map<String, Long> counts = new HashMap<>();
        for (MessageType type : MessageType.values()) {
            String start = "-";
            while (true) {
                List<StreamMessage<String, String, String>> chunk = redis.stream(String.class)
                        .xrange(RedisKeys.stream(type), StreamRange.of(start, "+"), SCAN_CHUNK);
                for (StreamMessage<String, String, String> m : chunk) {
                    String client = m.payload().get(MessageCodec.CLIENT);
                    if (client != null) {
                        counts.merge(client, credits(m.payload()), Long::sum);
                    }
                }
                if (chunk.size() < SCAN_CHUNK) {
                    break;
                }
                start = "(" + chunk.get(chunk.size() - 1).id();
            }
            for (String member : redis.sortedSet(String.class).zrange(RedisKeys.retryKey(type), 0, -1)) {
                try {
                    Map<String, String> fields = json.readValue(member, new TypeReference<Map<String, String>>() {});
                    String client = fields.get(MessageCodec.CLIENT);
                    if (client != null) {
                        counts.merge(client, credits(fields), Long::sum);
                    }
                } catch (Exception e) {
                    Log.warnf("Reconciliation: unreadable retry entry in %s", RedisKeys.retryKey(type));
                }
            }
        }
        return counts;
    }
}
