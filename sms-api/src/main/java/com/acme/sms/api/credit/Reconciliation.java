package com.acme.sms.api.credit;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.MessageCodec;
import com.acme.sms.redis.RedisKeys;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks the conservation of credit, per client: credit added = live balance + charged for sent + charged for
 * still queued (in a stream, in flight, or waiting for a retry). Failed messages are refunded, so they count in
 * none of these. Run it at a quiet moment (no traffic, or at least drained queues): in the middle of a batch a
 * message can be written as failed but not yet refunded, which shows as a passing drift of one.
 *
 * <p>{@link #rebuild()} sets every live balance to what PostgreSQL and the queues say it must be: the way back
 * after Redis lost its data (messages Redis lost were never sent, so their clients get their credit back).
 */
@ApplicationScoped
public class Reconciliation {

    /** The live balance reported for a corrupt balance key: no real balance is negative, so it is always drift. */
    static final long CORRUPT = -1;

    private static final int SCAN_CHUNK = 10_000;

    private final AgroalDataSource db;
    private final RedisDataSource redis;
    private final ObjectMapper json;

    public Reconciliation(AgroalDataSource db, RedisDataSource redis, ObjectMapper json) {
        this.db = db;
        this.redis = redis;
        this.json = json;
    }

    /** One client's figures; {@code drift} is live minus expected balance. */
    public record ClientCheck(String clientId, long added, long sent, long queued, long liveBalance, long expectedBalance,
            long drift, long postgresBalance, boolean ledgerConsistent) {

        public boolean ok() {
            return drift == 0 && ledgerConsistent;
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

    /** Sets each client's live balance to its expected value; returns the clients whose balance changed. */
    public Report rebuild() {
        Map<String, long[]> pg = postgres(null);
        Map<String, Long> queued = queuedPerClient();
        List<ClientCheck> changed = new ArrayList<>();
        for (Map.Entry<String, long[]> e : pg.entrySet()) {
            ClientCheck c = check(e.getKey(), e.getValue(), queued.getOrDefault(e.getKey(), 0L));
            if (c.drift() != 0) {
                String key = RedisKeys.balance(c.clientId());
                if (c.expectedBalance() > 0) {
                    redis.value(String.class).set(key, Long.toString(c.expectedBalance()));
                } else {
                    redis.key(String.class).del(key);
                }
                Log.warnf("Reconciliation: live balance of %s set from %d to %d", c.clientId(), c.liveBalance(),
                        Math.max(0, c.expectedBalance()));
                changed.add(c);
            }
        }
        return new Report(pg.size(), changed.size(), queued.values().stream().mapToLong(Long::longValue).sum(), changed);
    }

    private ClientCheck check(String client, long[] figures, long queued) {
        long added = figures[0];
        long sent = figures[1];
        long pgBalance = figures[2];
        long ledgerSum = figures[3];
        long live = liveBalance(client);
        long expected = added - sent - queued;
        boolean ledgerOk = pgBalance == ledgerSum && pgBalance == added - sent;
        return new ClientCheck(client, added, sent, queued, live, expected, live - expected, pgBalance, ledgerOk);
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

    /** client → {credit added, messages sent, credits.balance, sum of the ledger}. */
    private Map<String, long[]> postgres(String onlyClient) {
        String sql = """
                SELECT c.client_id,
                       COALESCE((SELECT sum(delta) FROM credit_ledger l WHERE l.client_id = c.client_id AND l.reason = 'top_up'), 0),
                       (SELECT count(*) FROM messages m WHERE m.client_id = c.client_id AND m.status = 'sent'),
                       c.balance,
                       COALESCE((SELECT sum(delta) FROM credit_ledger l WHERE l.client_id = c.client_id), 0)
                FROM credits c
                """
                + (onlyClient == null ? "" : " WHERE c.client_id = ?");
        Map<String, long[]> result = new TreeMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (onlyClient != null) {
                ps.setString(1, onlyClient);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)});
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reconciliation could not read PostgreSQL", e);
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
                        counts.merge(client, 1L, Long::sum);
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
                        counts.merge(client, 1L, Long::sum);
                    }
                } catch (Exception e) {
                    Log.warnf("Reconciliation: unreadable retry entry in %s", RedisKeys.retryKey(type));
                }
            }
        }
        return counts;
    }
}
