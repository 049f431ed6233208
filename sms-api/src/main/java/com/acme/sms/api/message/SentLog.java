package com.acme.sms.api.message;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reads a client's messages from PostgreSQL; every query is bound to the caller's client id, and waits at most
 * {@code sms.api.store-timeout} (a query timeout on each statement, and the pool's acquisition timeout), so that a
 * slow database turns into a quick 503 rather than requests piling up on the worker threads.
 */
@ApplicationScoped
public class SentLog {

    /**
     * The columns {@link #row} reads, in its order, of a message {@code m} and its receipt's outcome {@code o} (also
     * {@link MessageExport}'s).
     */
    // A receipt's outcome (delivered, undelivered), when there is one, is the status the client sees (see V7).
    static final String COLUMNS = "m.id, m.type, m.to_number, m.from_number, m.content,"
            + " coalesce(o.outcome, m.status), m.queued_at,"
            + " coalesce(o.applied_at, m.updated_at), coalesce(o.error_message, m.error_message), m.attempts,"
            + " m.segments, m.provider_message_id, m.sent_at, o.delivered_at, coalesce(o.error_code, m.error_code),"
            + " m.credits";

    /** A message row {@code m} with its receipt's outcome {@code o}, when it has one. */
    // The outcome is in the partition of the message's day: the join on both keys reads only that one.
    static final String WITH_OUTCOME = " LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at";

    private final AgroalDataSource db;
    private final int queryTimeoutSeconds;
    /** Null when the cache is off. */
    private final SentLogCache cache;
    private final ScheduledExecutorService sweeper;
    private final Counter hits;
    private final Counter misses;

    public SentLog(AgroalDataSource db, ApiConfig config, StoreBounds bounds, MeterRegistry registry) {
        this.db = db;
        this.queryTimeoutSeconds = bounds.queryTimeoutSeconds();
        long ttlNanos = config.sentLogCacheTtl().toNanos();
        long maxBytes = config.sentLogCacheMaxBytes().asLongValue();
        this.hits = Counter.builder("sms.sentlog.cache").tag("result", "hit")
                .description("Sent-log pages served from memory").register(registry);
        this.misses = Counter.builder("sms.sentlog.cache").tag("result", "miss")
                .description("Sent-log pages read from PostgreSQL").register(registry);
        if (ttlNanos <= 0 || maxBytes <= 0) {
            this.cache = null;
            this.sweeper = null;
            return;
        }
        this.cache = new SentLogCache(maxBytes, ttlNanos, System::nanoTime);
        Gauge.builder("sms.sentlog.cache.bytes", cache, SentLogCache::bytes).baseUnit("bytes")
                .description("Heap held by cached sent-log pages (estimated, at most sms.api.sent-log-cache-max-bytes)")
                .register(registry);
        // Without traffic nothing would touch the cache: a timer drops pages once they expire, so the heap
        // a burst of reads used is given back within a quarter of the cache period.
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sent-log-cache-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(ttlNanos / 4, TimeUnit.MILLISECONDS.toNanos(50));
        sweeper.scheduleWithFixedDelay(cache::sweep, period, period, TimeUnit.NANOSECONDS);
    }

    @PreDestroy
    void stop() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    /** One page of the client's log, from memory when the same page was read within the cache period. */
    public Page find(String clientId, Filter f) {
        if (cache == null) {
            return query(clientId, f);
        }
        String key = clientId + '|' + f;
        Page cached = cache.get(key);
        if (cached != null) {
            hits.increment();
            return cached;
        }
        misses.increment();
        Page page = query(clientId, f);
        cache.put(key, page);
        return page;
    }

    /** The cache, for tests; null when it is off. */
    SentLogCache cache() {
        return cache;
    }

    /** Filters of the sent-log; bounds are half-open: {@code from <= queued_at < until}. */
    public record Filter(MessageStatus status, MessageType type, Instant from, Instant until, int page, int pageSize) {}

    public record Page(long total, List<SentMessage> messages) {}

    private Page query(String clientId, Filter f) {
        // Only fixed fragments are concatenated; every value is a bound parameter.
        StringBuilder where = new StringBuilder("client_id = ?");
        List<Object> params = new ArrayList<>();
        params.add(clientId);
        // The covering index narrows to the client's sent messages; each is then probed for its outcome by key.
        if (f.status() == MessageStatus.DELIVERED || f.status() == MessageStatus.UNDELIVERED) {
            where.append(" AND status = 'sent' AND EXISTS (SELECT 1 FROM message_outcomes o"
                    + " WHERE o.message_id = messages.id AND o.queued_at = messages.queued_at AND o.outcome = ?)");
            params.add(f.status().wireName());
        } else if (f.status() == MessageStatus.SENT) {
            where.append(" AND status = 'sent' AND NOT EXISTS (SELECT 1 FROM message_outcomes o"
                    + " WHERE o.message_id = messages.id AND o.queued_at = messages.queued_at)");
        } else if (f.status() != null) {
            where.append(" AND status = ?");
            params.add(f.status().wireName());
        }
        if (f.type() != null) {
            where.append(" AND type = ?");
            params.add(f.type().wireName());
        }
        if (f.from() != null) {
            where.append(" AND queued_at >= ?");
            params.add(f.from().atOffset(ZoneOffset.UTC));
        }
        if (f.until() != null) {
            where.append(" AND queued_at < ?");
            params.add(f.until().atOffset(ZoneOffset.UTC));
        }
        // The page's ids come from the covering index alone (an index-only scan, however deep the page); only the
        // page's own rows are then read from the table. Plain JDBC straight into records: this is
        // the hottest read, and entities would only be copied again.
        String pageSql = "WITH page AS MATERIALIZED (SELECT id, queued_at FROM messages WHERE " + where
                + " ORDER BY queued_at DESC, id DESC LIMIT ? OFFSET ?)"
                + " SELECT " + COLUMNS + " FROM page JOIN messages m ON m.id = page.id AND m.queued_at = page.queued_at"
                + WITH_OUTCOME
                + " ORDER BY page.queued_at DESC, page.id DESC";
        try (Connection c = db.getConnection()) {
            List<SentMessage> messages = new ArrayList<>(f.pageSize());
            try (PreparedStatement ps = c.prepareStatement(pageSql)) {
                ps.setQueryTimeout(queryTimeoutSeconds);
                int i = bind(ps, params);
                ps.setInt(i++, f.pageSize());
                ps.setLong(i, (long) (f.page() - 1) * f.pageSize());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        messages.add(row(rs));
                    }
                }
            }
            long total;
            if (messages.size() < f.pageSize() && (f.page() == 1 || !messages.isEmpty())) {
                // The page tells the total by itself.
                total = (long) (f.page() - 1) * f.pageSize() + messages.size();
            } else {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM messages WHERE " + where)) {
                    ps.setQueryTimeout(queryTimeoutSeconds);
                    bind(ps, params);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        total = rs.getLong(1);
                    }
                }
            }
            return new Page(total, List.copyOf(messages));
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("reading the sent-log", e);
        }
    }

    static SentMessage row(ResultSet rs) throws SQLException {
        return new SentMessage(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant(),
                rs.getObject(8, OffsetDateTime.class).toInstant(), rs.getString(9), rs.getInt(10), rs.getInt(11),
                rs.getString(12), instant(rs, 13), instant(rs, 14), rs.getString(15), rs.getInt(16));
    }

    private static int bind(PreparedStatement ps, List<Object> params) throws SQLException {
        int i = 1;
        for (Object p : params) {
            ps.setObject(i++, p);
        }
        return i;
    }

    /** One message of the client; empty for an unknown id and for another client's message alike. */
    public Optional<SentMessage> findOne(String clientId, UUID id) {
        // A row's queued_at is the time in its UUIDv7 id (V10): the key names the one partition to read. An id of
        // another version was never minted here.
        Optional<Instant> queuedAt = UuidV7.time(id);
        if (queuedAt.isEmpty()) {
            return Optional.empty();
        }
        // Plain JDBC rather than Panache: a statement can carry its query timeout, an entity lookup can not.
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM messages m" + WITH_OUTCOME
                        + " WHERE m.id = ? AND m.queued_at = ? AND m.client_id = ?")) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setObject(1, id);
            ps.setObject(2, queuedAt.get().atOffset(ZoneOffset.UTC));
            ps.setString(3, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("reading a message", e);
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }
}
