package com.acme.sms.api.message;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.retention.RetentionConfig;
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
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGStatement;

/**
 * Reads a client's messages from PostgreSQL; every query is bound to the caller's client id, and waits at most
 * {@code sms.api.store-timeout} (a query timeout on each statement, and the pool's acquisition timeout), so that a
 * slow database turns into a quick 503 rather than requests piling up on the worker threads.
 */
@ApplicationScoped
public class SentLog {

    /** The columns {@link #row} reads, in its order, of a message {@code m} and its receipt's outcome {@code o}. */
    // A receipt's outcome (delivered, undelivered), when there is one, is the status the client sees (see V7).
    static final String COLUMNS = "m.id, m.type, m.to_number, m.from_number, m.content,"
            + " coalesce(o.outcome, m.status), m.queued_at,"
            + " coalesce(o.applied_at, m.updated_at), coalesce(o.error_message, m.error_message), m.attempts,"
            + " m.segments, m.provider_message_id, m.sent_at, o.delivered_at, coalesce(o.error_code, m.error_code),"
            + " m.credits";

    /** A message row {@code m} with its receipt's outcome {@code o}, when it has one; for one message by its key. */
    // The outcome is in the partition of the message's day: the join on both keys reads only that one.
    static final String WITH_OUTCOME = " LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at";

    /**
     * The outcome {@code o.outcome} of each sent row {@code c}, or null: looked up by its key, row by row. A lateral
     * subquery with LIMIT is never turned into a join, and must not be: over partitioned tables PostgreSQL then
     * preferred hashing or merging every outcome (seconds on 1.4 M rows) to probing a page's worth by key. A
     * correlated subquery in the WHERE clause is no better: it is planned again inside every day's scan.
     */
    private static final String OUTCOME_PROBE = " LEFT JOIN LATERAL (SELECT o.outcome FROM message_outcomes o"
            + " WHERE c.status = 'sent' AND o.message_id = c.id AND o.queued_at = c.queued_at LIMIT 1) o ON true";

    /** Sent rows read at once when a page's status needs their receipts: first this many, then four times more. */
    static final int PROBE_BATCH = 128;
    static final int MAX_PROBE_BATCH = 8192;

    private final AgroalDataSource db;
    private final int queryTimeoutSeconds;
    /** Null when the cache is off. */
    private final SentLogCache cache;
    private final ScheduledExecutorService sweeper;
    private final Counter hits;
    private final Counter misses;
    /** Days of rows kept (sms.retention.days); 0 = all. The counters of older days outlive their rows. */
    private final int retentionDays;

    public SentLog(AgroalDataSource db, ApiConfig config, StoreBounds bounds, RetentionConfig retention,
            MeterRegistry registry) {
        this.db = db;
        this.retentionDays = retention.days();
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

    /**
     * One page of the client's log, from memory when the same page was read within the cache period. A page after a
     * position (a cursor) is cached under that position too: the filter names it.
     */
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

    /**
     * Most rows a total is counted over. Up to this many the total is exact; beyond, it is estimated from the day's
     * counters (usage_daily), so that counting never costs more than reading this many index entries.
     */
    static final int EXACT_TOTAL_CAP = 10_000;

    /**
     * Filters of the sent-log; bounds are half-open: {@code from <= queued_at < until}. With {@code after}, the page
     * holds the messages older than that position (keyset: as cheap deep in the log as on its first page), and
     * {@code page} is only its number, for the answer; without, it is page {@code page} counted from the newest.
     */
    public record Filter(MessageStatus status, MessageType type, Instant from, Instant until, int page, int pageSize,
            Position after) {

        public Filter(MessageStatus status, MessageType type, Instant from, Instant until, int page, int pageSize) {
            this(status, type, from, until, page, pageSize, null);
        }

        /** The same filters, for the page numbered {@code page} that starts after {@code position}. */
        public Filter after(Position position, int page) {
            return new Filter(status, type, from, until, page, pageSize, position);
        }
    }

    /** A message's place in the log, which is ordered by {@code (queued_at, id)}, newest first. */
    public record Position(Instant queuedAt, UUID id) {}

    /**
     * A page; {@code next} is the position of its last message when older ones follow, else null. {@code total} is
     * exact when {@code totalExact}; otherwise an estimate, never less than the {@link #EXACT_TOTAL_CAP} rows seen.
     */
    public record Page(long total, boolean totalExact, List<SentMessage> messages, Position next) {}

    private Page query(String clientId, Filter f) {
        long offset = f.after() != null ? 0 : (long) (f.page() - 1) * f.pageSize();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(queryTimeoutSeconds);
        // The candidates are what the covering index alone tells (client, type, dates).
        List<Object> params = new ArrayList<>();
        StringBuilder where = candidates(clientId, f, f.from(), params);
        try (Connection c = db.getConnection()) {
            // One key more than the page tells whether an older page follows.
            int want = f.pageSize() + 1;
            List<Position> keys = null;
            Window window = window(c, clientId, f, offset + want);
            double sentPerMatch = window == null ? 0 : window.sentPerMatch();
            if (window != null && window.from() != null) {
                List<Object> windowParams = new ArrayList<>();
                StringBuilder windowWhere = candidates(clientId, f, window.from(), windowParams);
                keys = keys(c, windowWhere, windowParams, f, offset, deadline, window.sentPerMatch());
                if (keys.size() < want) {
                    // Fewer rows than the counters promised (rows written without them): the whole range decides.
                    keys = null;
                }
            }
            if (keys == null) {
                keys = keys(c, where, params, f, offset, deadline, sentPerMatch);
            }
            Position next = null;
            if (keys.size() > f.pageSize()) {
                keys = keys.subList(0, f.pageSize());
                next = keys.get(f.pageSize() - 1);
            }
            List<SentMessage> messages = rows(c, keys);
            if (f.after() == null && next == null && (f.page() == 1 || !messages.isEmpty())) {
                // The page tells the total by itself. (After a cursor it does not: the rows before the position
                // are not counted, and may have changed since the first page.)
                return new Page(offset + messages.size(), true, messages, null);
            }
            return total(c, clientId, f, where, params, next, messages);
        } catch (SQLException e) {
            throw StoreBounds.postgresFailure("reading the sent-log", e);
        }
    }

    /**
     * The filter's candidate rows from {@code from} on (client, type, dates) as a WHERE clause, its values added to
     * {@code params}. Only fixed fragments are concatenated; every value from the request is a bound parameter.
     */
    private static StringBuilder candidates(String clientId, Filter f, Instant from, List<Object> params) {
        StringBuilder where = new StringBuilder("client_id = ?");
        params.add(clientId);
        if (f.type() != null) {
            where.append(" AND type = ?");
            params.add(f.type().wireName());
        }
        if (from != null) {
            where.append(" AND queued_at >= ?");
            params.add(utc(from));
        }
        if (f.until() != null) {
            where.append(" AND queued_at < ?");
            params.add(utc(f.until()));
        }
        return where;
    }

    /**
     * The page's keys, and one more, from the candidates {@code where}, newest first; {@code sentPerMatch} is how
     * many sent rows there are per row of a receipt's status, as the counters tell (0: not known).
     */
    private List<Position> keys(Connection c, CharSequence where, List<Object> params, Filter f, long offset,
            long deadline, double sentPerMatch) throws SQLException {
        MessageStatus status = f.status();
        if (status == MessageStatus.DELIVERED || status == MessageStatus.UNDELIVERED) {
            return indexKeys(c, OUTCOMES, where, params, f, offset);
        }
        return status == MessageStatus.SENT
                ? sentKeys(c, where, params, f, offset, deadline, sentPerMatch)
                : indexKeys(c, MESSAGES, where, params, f, offset);
    }

    /**
     * A table whose index in the log's order holds a client's rows and their status: {@code messages} (covering index,
     * V10) for a message's own status, {@code message_outcomes} (V14) for a receipt's. Both name the client, the type
     * and {@code queued_at} alike, so the same candidates' WHERE clause reads either.
     */
    private record Keyed(String table, String id, String status) {}

    private static final Keyed MESSAGES = new Keyed("messages", "id", "status");
    private static final Keyed OUTCOMES = new Keyed("message_outcomes", "message_id", "outcome");

    /**
     * Where a page's read starts (a UTC midnight; null: where the filter starts), and how many sent rows the counters
     * count there for each one of the filter's status (for {@code sent}, whose pages probe sent rows; 0 otherwise).
     */
    private record Window(Instant from, double sentPerMatch) {}

    /**
     * The start (a UTC midnight) of the newest days that hold, as the day's counters tell, at least {@code want} of
     * the filter's messages before its position (or its end); null when only the whole range holds that many. A page
     * read from there on reads the partitions of those days only. With it, how dense the status is among the sent
     * rows there, which tells how many of them to probe for a page of {@code sent}.
     * <p>
     * Why: a read that is bounded only by the client reads every day's partition in the log's order, merging them,
     * and PostgreSQL must plan, lock and open each one (a hundred at the default retention) to find the newest rows,
     * though a large client's first page is all in today's. The counters, a few rows per day, say which days to read
     * instead. A counter short of its rows costs a second read, never a wrong page: the rows decide.
     */
    private Window window(Connection c, String clientId, Filter f, long want) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT day, seen, sent FROM (SELECT day, sum(sum(" + counted(f.status())
                + ")) OVER newest AS seen, sum(sum(sent)) OVER newest AS sent FROM usage_daily");
        List<Object> params = new ArrayList<>();
        LocalDate firstDay = f.from() == null ? null : LocalDate.ofInstant(f.from(), ZoneOffset.UTC);
        // The rows before a position: counted from the day before its own, which holds newer rows too.
        LocalDate lastDay = f.after() != null
                ? LocalDate.ofInstant(f.after().queuedAt(), ZoneOffset.UTC).minusDays(1)
                : lastDay(f.until());
        countersOf(sql, params, clientId, f.type(), firstDay, lastDay);
        sql.append(" GROUP BY day WINDOW newest AS (ORDER BY day DESC)) d WHERE seen >= ? ORDER BY day DESC LIMIT 1");
        params.add(want);
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            bind(ps, params, 1);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                LocalDate day = rs.getObject(1, LocalDate.class);
                double sentPerMatch = f.status() == MessageStatus.SENT ? rs.getDouble(3) / rs.getDouble(2) : 0;
                // The filter's own start is as narrow already.
                Instant from = firstDay != null && !day.isAfter(firstDay) ? null
                        : day.atStartOfDay(ZoneOffset.UTC).toInstant();
                return new Window(from, sentPerMatch);
            }
        }
    }

    /**
     * The page's keys, and one more, when an index alone tells the status: the messages' covering index for queued,
     * failed or none, the outcomes' for delivered and undelivered. An index-only scan in the log's order, entered
     * right after the cursor's position.
     */
    private List<Position> indexKeys(Connection c, Keyed table, CharSequence where, List<Object> params, Filter f,
            long offset) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ").append(table.id()).append(", queued_at FROM ")
                .append(table.table()).append(" WHERE ").append(where);
        List<Object> values = new ArrayList<>(params);
        if (f.status() != null) {
            sql.append(" AND ").append(table.status()).append(" = ?");
            values.add(f.status().wireName());
        }
        after(sql, values, f.after(), table.id());
        // The LIMIT is written out: a plan made for an unknown limit (a generic plan, after a few executions) may
        // sort all the client's rows instead of reading the first few in the index's order.
        sql.append(" ORDER BY queued_at DESC, ").append(table.id()).append(" DESC LIMIT ").append(f.pageSize() + 1)
                .append(" OFFSET ?");
        values.add(offset);
        List<Position> keys = new ArrayList<>(f.pageSize() + 1);
        try (PreparedStatement ps = plannedForItsValues(c, sql.toString())) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            bind(ps, values, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(new Position(rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getObject(1, UUID.class)));
                }
            }
        }
        return keys;
    }

    /**
     * The page's keys, and one more, for {@code sent}, which is the absence of an outcome: the sent rows are read in
     * the log's order, a batch at a time, and those with an outcome are set aside, until the page is full or the rows
     * are exhausted. In batches, not one statement: PostgreSQL cannot know how many rows such a page needs, and
     * planned one statement as a sort of every sent row of the client (seconds).
     */
    private List<Position> sentKeys(Connection c, CharSequence where, List<Object> params, Filter f, long offset,
            long deadline, double sentPerMatch) throws SQLException {
        int want = f.pageSize() + 1;
        long skip = offset;
        List<Position> keys = new ArrayList<>(want);
        Position after = f.after();
        int batch = PROBE_BATCH;
        if (sentPerMatch > 0) {
            // As many sent rows as the counters say hold the page, and a quarter more: one round as a rule, where
            // growing from a guess took four for a status one sent message in thirty has (and probed twice the rows).
            batch = (int) Math.max(PROBE_BATCH, Math.min(MAX_PROBE_BATCH, Math.ceil((skip + want) * sentPerMatch * 1.25)));
        } else {
            while (skip + want > (long) batch / 2 && batch < MAX_PROBE_BATCH) {
                batch *= 4;
            }
        }
        while (true) {
            if (System.nanoTime() - deadline > 0) {
                // Every statement has the timeout; the rounds together get no more.
                throw new SQLException("The sent-log read took longer than sms.api.store-timeout", "57014");
            }
            StringBuilder sql = new StringBuilder("SELECT id, queued_at FROM messages WHERE ").append(where)
                    .append(" AND status = 'sent'");
            List<Object> values = new ArrayList<>(params);
            after(sql, values, after, "id");
            sql.append(" ORDER BY queued_at DESC, id DESC LIMIT ").append(batch);
            List<Position> sent = new ArrayList<>(batch);
            try (PreparedStatement ps = plannedForItsValues(c, sql.toString())) {
                ps.setQueryTimeout(queryTimeoutSeconds);
                bind(ps, values, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        sent.add(new Position(rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getObject(1, UUID.class)));
                    }
                }
            }
            Set<UUID> told = sent.isEmpty() ? Set.of() : outcomesAmong(c, where, params, sent);
            for (Position p : sent) {
                if (told.contains(p.id())) {
                    continue;
                }
                if (skip > 0) {
                    skip--;
                } else {
                    keys.add(p);
                    if (keys.size() == want) {
                        return keys;
                    }
                }
            }
            if (sent.size() < batch) {
                return keys;
            }
            after = sent.get(sent.size() - 1);
            batch = Math.min(batch * 4, MAX_PROBE_BATCH);
        }
    }

    /**
     * Which of the {@code sent} rows (newest first, the candidates of {@code where}) have an outcome: the candidates'
     * outcomes between the oldest and the newest of them, one range of the outcomes' index (V14) read in order. These
     * belong to the sent rows of that span, so there are at most as many as the rows. A look-up of each row's outcome
     * by its key instead cost twice as much: about 1,000 look-ups for a page of 100 where 88 % have one (bench/run
     * bigclient, {@code status=sent} with a type and 7 days).
     */
    private Set<UUID> outcomesAmong(Connection c, CharSequence where, List<Object> params, List<Position> sent)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT message_id FROM message_outcomes WHERE ").append(where)
                .append(" AND outcome IN ('delivered', 'undelivered') AND queued_at >= ? AND queued_at <= ?");
        List<Object> values = new ArrayList<>(params);
        values.add(utc(sent.get(sent.size() - 1).queuedAt()));
        values.add(utc(sent.get(0).queuedAt()));
        Set<UUID> told = new HashSet<>();
        // Planned for its values: the span's bounds leave only its days' partitions.
        try (PreparedStatement ps = plannedForItsValues(c, sql.toString())) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            bind(ps, values, 1);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    told.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return told;
    }

    /**
     * A statement that PostgreSQL plans for its values at every execution, never once for all values. A plan for
     * unknown values cannot know which days' partitions the dates and the position leave, so it cannot read them in
     * order, and it misjudges how many rows a date range holds: with the driver's default (a plan for all values
     * after five executions) a page of one client's express messages within some dates, read in 0.2 ms from 3
     * partitions when planned for its values, sorted 52,000 rows instead (40 ms). Planning costs 1 to 4 ms.
     */
    private static PreparedStatement plannedForItsValues(Connection c, String sql) throws SQLException {
        PreparedStatement ps = c.prepareStatement(sql);
        if (ps.isWrapperFor(PGStatement.class)) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        }
        return ps;
    }

    /** Narrows {@code sql} to the rows older than the position, when there is one; {@code id}: the id's column. */
    private static void after(StringBuilder sql, List<Object> values, Position after, String id) {
        if (after == null) {
            return;
        }
        // The row comparison is the keyset: the covering index is entered right after the position, whatever its
        // depth. The plain bound on queued_at repeats it for the planner, which prunes the partitions of the days
        // after the position with it (it does not prune on a row comparison).
        sql.append(" AND queued_at <= ? AND (queued_at, ").append(id).append(") < (?, ?)");
        values.add(utc(after.queuedAt()));
        values.add(utc(after.queuedAt()));
        values.add(after.id());
    }

    /**
     * The messages of the keys, in their order: each row, and its receipt's outcome when it has one, read by its key
     * (the partition of its day). Plain JDBC straight into records: this is the hottest read, and entities would only
     * be copied again.
     */
    private List<SentMessage> rows(Connection c, List<Position> keys) throws SQLException {
        if (keys.isEmpty()) {
            return List.of();
        }
        UUID[] ids = new UUID[keys.size()];
        Long[] micros = new Long[keys.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = keys.get(i).id();
            Instant t = keys.get(i).queuedAt();
            micros[i] = t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
        }
        // The times travel as microseconds since 1970: exact, and without the driver's time zone handling.
        String sql = "SELECT " + COLUMNS + " FROM unnest(?::uuid[], ?::bigint[]) WITH ORDINALITY AS k(id, micros, n)"
                + " CROSS JOIN LATERAL (SELECT * FROM messages m WHERE m.id = k.id"
                + " AND m.queued_at = timestamptz 'epoch' + k.micros * interval '1 microsecond' LIMIT 1) m"
                + " LEFT JOIN LATERAL (SELECT * FROM message_outcomes o"
                + " WHERE o.message_id = m.id AND o.queued_at = m.queued_at LIMIT 1) o ON true"
                + " ORDER BY k.n";
        List<SentMessage> messages = new ArrayList<>(keys.size());
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            ps.setArray(1, c.createArrayOf("uuid", ids));
            ps.setArray(2, c.createArrayOf("bigint", micros));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    messages.add(row(rs));
                }
            }
        }
        return List.copyOf(messages);
    }

    /**
     * The page with its total: counted exactly when the filter's candidate rows (client, type, dates) are at most
     * {@link #EXACT_TOTAL_CAP}, else estimated from the day's counters. Capping the candidates, not the matches,
     * bounds the work whatever the status: a status that few messages have would otherwise be counted over the whole
     * log. When the filter's dates are whole days, the counters say beforehand whether the candidates are beyond
     * the cap, and then nothing is counted: a large log's pages cost no count at all.
     */
    private Page total(Connection c, String clientId, Filter f, CharSequence where, List<Object> params, Position next,
            List<SentMessage> messages) throws SQLException {
        Counters counters = null;
        if (wholeDays(f.from()) && wholeDays(f.until())) {
            counters = counters(c, clientId, f);
            if (counters.candidates() > EXACT_TOTAL_CAP) {
                return new Page(counters.matching(), false, messages, next);
            }
        }
        MessageStatus status = f.status();
        List<Object> matchParams = new ArrayList<>();
        String matches;
        String probe = "";
        if (status == null) {
            matches = "true";
        } else if (!status.charged()) {
            matches = "c.status = ?";
            matchParams.add(status.wireName());
        } else {
            probe = OUTCOME_PROBE;
            matches = status == MessageStatus.SENT ? "c.status = 'sent' AND o.outcome IS NULL" : "o.outcome = ?";
            if (status != MessageStatus.SENT) {
                matchParams.add(status.wireName());
            }
        }
        String countSql = "SELECT count(*) FILTER (WHERE " + matches + "), count(*) FROM (SELECT id, queued_at, status"
                + " FROM messages WHERE " + where + " LIMIT " + (EXACT_TOTAL_CAP + 1) + ") c" + probe;
        long matched;
        long candidates;
        try (PreparedStatement ps = c.prepareStatement(countSql)) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            // The match's values come first in the statement, in the count's FILTER.
            int i = bind(ps, matchParams, 1);
            bind(ps, params, i);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                matched = rs.getLong(1);
                candidates = rs.getLong(2);
            }
        }
        if (candidates <= EXACT_TOTAL_CAP) {
            return new Page(matched, true, messages, next);
        }
        // More rows than the counters know of (written without them): the counters are a floor at best.
        if (counters == null) {
            counters = counters(c, clientId, f);
        }
        return new Page(Math.max(matched, counters.matching()), false, messages, next);
    }

    /** Whether a bound of the filter is absent or a midnight (UTC): whole days, as the counters count. */
    private static boolean wholeDays(Instant bound) {
        return bound == null || bound.getEpochSecond() % 86_400 == 0 && bound.getNano() == 0;
    }

    /** What the day's counters say of a filter: its candidate rows (client, type, days) and those of its status. */
    private record Counters(long candidates, long matching) {}

    /**
     * The filter's messages as the day's counters tell them (usage_daily, kept with the rows), over every day the
     * filter's dates overlap: more than the rows when a bound falls inside a day.
     */
    private Counters counters(Connection c, String clientId, Filter f) throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT coalesce(sum(accepted), 0), coalesce(sum("
                + counted(f.status()) + "), 0) FROM usage_daily");
        List<Object> params = new ArrayList<>();
        // The counters outlive their rows: the days the retention dropped hold no message to count.
        LocalDate from = f.from() == null ? null : LocalDate.ofInstant(f.from(), ZoneOffset.UTC);
        if (retentionDays > 0) {
            LocalDate kept = LocalDate.now(ZoneOffset.UTC).minusDays(retentionDays);
            from = from == null || from.isBefore(kept) ? kept : from;
        }
        countersOf(sql, params, clientId, f.type(), from, lastDay(f.until()));
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            ps.setQueryTimeout(queryTimeoutSeconds);
            bind(ps, params, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Counters(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    /** Appends the WHERE clause of a client's counters of a type (or all) from day {@code first} to {@code last}. */
    private static void countersOf(StringBuilder sql, List<Object> params, String clientId, MessageType type,
            LocalDate first, LocalDate last) {
        sql.append(" WHERE client_id = ?");
        params.add(clientId);
        if (type != null) {
            sql.append(" AND type = ?");
            params.add(type.wireName());
        }
        if (first != null) {
            sql.append(" AND day >= ?");
            params.add(first);
        }
        if (last != null) {
            sql.append(" AND day <= ?");
            params.add(last);
        }
    }

    /** The last day an exclusive bound covers: that of the microsecond before it; null for none. */
    private static LocalDate lastDay(Instant until) {
        return until == null ? null : LocalDate.ofInstant(until.minus(1, ChronoUnit.MICROS), ZoneOffset.UTC);
    }

    /** The usage_daily expression that counts a status's messages; every message without one. */
    private static String counted(MessageStatus status) {
        return status == null ? "accepted" : switch (status) {
            // accepted counts every row written: sent, failed, or waiting for a retry (still queued)
            case QUEUED -> "accepted - sent - failed";
            // a receipt moves a sent message to delivered or undelivered; it stays counted as sent
            case SENT -> "sent - delivered - undelivered";
            case DELIVERED -> "delivered";
            case UNDELIVERED -> "undelivered";
            case FAILED -> "failed";
        };
    }

    private static OffsetDateTime utc(Instant t) {
        return t.atOffset(ZoneOffset.UTC);
    }

    static SentMessage row(ResultSet rs) throws SQLException {
        return new SentMessage(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getObject(7, OffsetDateTime.class).toInstant(),
                rs.getObject(8, OffsetDateTime.class).toInstant(), rs.getString(9), rs.getInt(10), rs.getInt(11),
                rs.getString(12), instant(rs, 13), instant(rs, 14), rs.getString(15), rs.getInt(16));
    }

    /** Binds the values from parameter {@code first} on; returns the index after the last. */
    private static int bind(PreparedStatement ps, List<Object> params, int first) throws SQLException {
        int i = first;
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
