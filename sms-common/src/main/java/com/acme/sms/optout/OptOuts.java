package com.acme.sms.optout;

import com.acme.sms.redis.RedisKeys;
import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.set.ReactiveSetCommands;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A client's opt-outs: durable in PostgreSQL ({@code opt_outs}), copied to a Redis set that accept.lua checks in the
 * same step as the charge. Every change takes a per-client advisory lock, so a change and a load of the Redis set
 * never interleave:
 * <ul>
 * <li>add: insert and SADD inside the transaction; if Redis fails, the insert rolls back and nothing changed.</li>
 * <li>remove: delete, commit, then SREM; if Redis fails, the number stays blocked (the safe side) and the caller
 * is told to retry, which removes it.</li>
 * <li>load (the set lacks {@link RedisKeys#OPT_OUTS_LOADED}): read every row and SADD them with the marker.</li>
 * </ul>
 * So a number in PostgreSQL is always in the loaded Redis set; the only divergence a failure can leave is a number
 * blocked in Redis that PostgreSQL no longer lists, never the reverse. Blocking (JDBC and awaited Redis calls): call
 * from a worker thread.
 */
@ApplicationScoped
public class OptOuts {

    /** How long a Redis call may take before the change is given up (and, for an add, rolled back). */
    static final Duration REDIS_WAIT = Duration.ofSeconds(5);
    /** First key of the per-client advisory lock ("op"); the second is the hash of the client id. */
    private static final int LOCK_CLASS = 0x6f70;
    private static final int LOAD_BATCH = 1000;

    public enum Source {
        /** The client added the number through the API. */
        API,
        /** The number texted a stop keyword to one of the client's senders. */
        INBOUND;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A store did not answer or refused; nothing was changed, except as the class comment says for a removal. */
    public static final class StoreFailure extends RuntimeException {
        private final String store;

        StoreFailure(String store, String message, Throwable cause) {
            super(message, cause);
            this.store = store;
        }

        /** {@code postgresql} or {@code redis}. */
        public String store() {
            return store;
        }
    }

    /** One opt-out as stored; {@code keyword} and {@code sender} only with {@link Source#INBOUND}. */
    public record OptOut(String number, Source source, String keyword, String sender, Instant createdAt) {}

    private final AgroalDataSource db;
    private final ReactiveRedisDataSource redis;
    private final ReactiveSetCommands<String, String> sets;

    public OptOuts(AgroalDataSource db, ReactiveRedisDataSource redis) {
        this.db = db;
        this.redis = redis;
        this.sets = redis.set(String.class);
    }

    /**
     * Deletes every client's Redis copy, so that each is loaded again from PostgreSQL before its client's next
     * message is accepted. For Redis restored from an older snapshot or failed over to a lagging replica: a copy
     * there can carry its complete-marker yet miss the opt-outs added since. Safe under traffic: a missing copy is
     * loaded before anything is accepted.
     *
     * @return how many copies were deleted
     */
    public long forgetRedisCopies() {
        long deleted = 0;
        String cursor = "0";
        do {
            io.vertx.mutiny.redis.client.Response page = redis(redis.execute("SCAN", cursor, "MATCH", "sms:optout:{*",
                    "COUNT", "1000"));
            cursor = page.get(0).toString();
            List<String> keys = new ArrayList<>();
            page.get(1).forEach(k -> keys.add(k.toString()));
            if (!keys.isEmpty()) {
                deleted += redis(redis.execute("UNLINK", keys.toArray(String[]::new))).toLong();
            }
        } while (!"0".equals(cursor));
        return deleted;
    }

    /** Adds the number to the client's opt-outs; false when it was there already (the first record is kept). */
    public boolean add(String clientId, String number, Source source, String keyword, String sender) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c, clientId);
                int inserted;
                try (PreparedStatement ps = c.prepareStatement("""
                        INSERT INTO opt_outs (client_id, number, source, keyword, sender) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (client_id, number) DO NOTHING""")) {
                    ps.setString(1, clientId);
                    ps.setString(2, number);
                    ps.setString(3, source.wireName());
                    ps.setString(4, keyword);
                    ps.setString(5, sender);
                    inserted = ps.executeUpdate();
                }
                // Also when the row was there: the Redis copy may have missed it (an earlier add whose commit failed
                // after its SADD cannot leave that, but a set restored from an old snapshot can).
                redis(sets.sadd(RedisKeys.optOuts(clientId), number));
                c.commit();
                return inserted == 1;
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreFailure("postgresql", "opt-out of " + number + " for " + clientId + " not stored", e);
        }
    }

    /** Removes the number from the client's opt-outs; false when it was not there. */
    public boolean remove(String clientId, String number) {
        int deleted;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c, clientId);
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM opt_outs WHERE client_id = ? AND number = ?")) {
                    ps.setString(1, clientId);
                    ps.setString(2, number);
                    deleted = ps.executeUpdate();
                }
                c.commit();
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreFailure("postgresql", "opt-out of " + number + " for " + clientId + " not removed", e);
        }
        // After the commit, outside the lock: a load that runs in between reads the row as gone and does not add it.
        redis(sets.srem(RedisKeys.optOuts(clientId), number));
        return deleted == 1;
    }

    /**
     * Copies the client's opt-outs from PostgreSQL to its Redis set and marks the set complete. Harmless when the
     * set is already loaded (it only adds what is there already).
     *
     * @return how many numbers the client has opted out
     */
    public int load(String clientId) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c, clientId);
                List<String> batch = new ArrayList<>();
                int total = 0;
                String key = RedisKeys.optOuts(clientId);
                try (PreparedStatement ps = c.prepareStatement("SELECT number FROM opt_outs WHERE client_id = ?")) {
                    ps.setFetchSize(LOAD_BATCH);
                    ps.setString(1, clientId);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            batch.add(rs.getString(1));
                            total++;
                            if (batch.size() == LOAD_BATCH) {
                                redis(sets.sadd(key, batch.toArray(String[]::new)));
                                batch.clear();
                            }
                        }
                    }
                }
                // The marker goes last, with the last numbers: a set is never marked complete before it is.
                batch.add(RedisKeys.OPT_OUTS_LOADED);
                redis(sets.sadd(key, batch.toArray(String[]::new)));
                c.commit();
                return total;
            } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreFailure("postgresql", "opt-outs of " + clientId + " not loaded", e);
        }
    }

    /** Up to {@code limit} of the client's opt-outs, by number, after {@code afterNumber} (null: from the first). */
    public List<OptOut> page(String clientId, String afterNumber, int limit) {
        return read(clientId, "number > ? ORDER BY number LIMIT " + Math.max(0, limit),
                afterNumber == null ? "" : afterNumber);
    }

    /** The client's opt-out of this number, if any. */
    public Optional<OptOut> find(String clientId, String number) {
        return read(clientId, "number = ?", number).stream().findFirst();
    }

    private List<OptOut> read(String clientId, String condition, String number) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT number, source, keyword, sender, created_at "
                        + "FROM opt_outs WHERE client_id = ? AND " + condition)) {
            ps.setString(1, clientId);
            ps.setString(2, number);
            List<OptOut> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp at = rs.getTimestamp(5);
                    rows.add(new OptOut(rs.getString(1), Source.valueOf(rs.getString(2).toUpperCase(Locale.ROOT)),
                            rs.getString(3), rs.getString(4), at.toInstant()));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new StoreFailure("postgresql", "opt-outs of " + clientId + " not read", e);
        }
    }

    /** The clients that have sent from this sender (see client_senders), whom a STOP texted to it concerns. */
    public List<String> clientsOfSender(String sender) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT client_id FROM client_senders WHERE sender = ?")) {
            ps.setString(1, sender);
            List<String> clients = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    clients.add(rs.getString(1));
                }
            }
            return clients;
        } catch (SQLException e) {
            throw new StoreFailure("postgresql", "clients of sender " + sender + " not read", e);
        }
    }

    private static <T> T redis(Uni<T> call) {
        try {
            return call.await().atMost(REDIS_WAIT);
        } catch (RuntimeException e) {
            throw new StoreFailure("redis", "Redis did not take the opt-out change: " + e.getMessage(), e);
        }
    }

    private static void lock(Connection c, String clientId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
            ps.setInt(1, LOCK_CLASS);
            ps.setString(2, clientId);
            ps.execute();
        }
    }
}
