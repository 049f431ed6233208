package com.acme.sms.api.retention;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keeps the daily partitions of messages, message_outcomes and message_parts (V10): makes the days ahead, drops the
 * days past {@code sms.retention.days}, and clears the default partition's rows past it. Runs at start and every
 * {@code sms.retention.interval}, in one API process at a time (a PostgreSQL advisory lock): the API owns the
 * schema, as it runs the migrations.
 * <p>
 * A day is dropped as its three tables, never deleted row by row: the cost is a catalogue change, whatever the day
 * held. Dropping a partition takes a short exclusive lock on its parent table; it waits at most {@link #LOCK_WAIT}
 * for reads that hold the table (a long export), so writers stall at most that long, and it tries again on the next
 * run when it could not get the lock.
 */
@ApplicationScoped
public class PartitionMaintenance {

    /** The advisory lock's key: any fixed number no other part of the system uses ("sms-part"). */
    static final long LOCK = 0x736d732d70617274L;
    static final String LOCK_WAIT = "1s";
    /** The three tables partitioned by day, each partition named table_pYYYYMMDD. */
    static final List<String> TABLES = List.of("messages", "message_outcomes", "message_parts");
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");

    /** What one run did; {@code ran} is false when another process held the lock. */
    public record Run(boolean ran, int daysCreated, List<LocalDate> daysDropped, long strayRowsDeleted) {}

    private final AgroalDataSource db;
    private final RetentionConfig config;
    private final Counter dropped;
    private final AtomicLong days = new AtomicLong();
    private final AtomicLong defaultRows = new AtomicLong();
    private ScheduledExecutorService timer;

    public PartitionMaintenance(AgroalDataSource db, RetentionConfig config, MeterRegistry registry) {
        if (config.days() < 0 || config.daysAhead() < 1) {
            throw new IllegalStateException("sms.retention.days must be 0 (keep everything) or more, and"
                    + " sms.retention.days-ahead 1 or more; got " + config.days() + " and " + config.daysAhead());
        }
        this.db = db;
        this.config = config;
        this.dropped = Counter.builder("sms.retention.dropped.days")
                .description("Days of messages dropped by the retention (as partitions)").register(registry);
        Gauge.builder("sms.retention.partitions", days, AtomicLong::get)
                .description("Days of messages held in partitions, as the last maintenance found them").register(registry);
        Gauge.builder("sms.retention.default.rows", defaultRows, AtomicLong::get)
                .description("Messages in the default partition (outside every day's partition): should be 0")
                .register(registry);
    }

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "partition-maintenance");
            t.setDaemon(true);
            return t;
        });
        long every = config.interval().toMillis();
        timer.scheduleWithFixedDelay(this::runSafely, 0, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void runSafely() {
        try {
            Run run = maintain(LocalDate.now(ZoneOffset.UTC));
            if (run.ran() && (run.daysCreated() > 0 || !run.daysDropped().isEmpty() || run.strayRowsDeleted() > 0)) {
                Log.infof("Partitions: %d days made ahead, days dropped %s, %d rows of the default partition past"
                        + " the retention deleted", run.daysCreated(), run.daysDropped(), run.strayRowsDeleted());
            }
        } catch (SQLException | RuntimeException e) {
            Log.warnf(e, "Partition maintenance failed; next try in %s", config.interval());
        }
    }

    /** One pass as of the given day (UTC). */
    public Run maintain(LocalDate today) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(true);
            if (!lock(c, "pg_try_advisory_lock")) {
                return new Run(false, 0, List.of(), 0);
            }
            try {
                int created = createAhead(c, today);
                List<LocalDate> droppedDays = new ArrayList<>();
                long strays = 0;
                if (config.days() > 0) {
                    LocalDate keepFrom = today.minusDays(config.days());
                    for (LocalDate day : partitionDays(c)) {
                        if (day.isBefore(keepFrom) && drop(c, day)) {
                            droppedDays.add(day);
                        }
                    }
                    strays = deleteStrays(c, keepFrom);
                }
                days.set(partitionDays(c).size());
                defaultRows.set(count(c, "SELECT count(*) FROM messages_default"));
                return new Run(true, created, droppedDays, strays);
            } finally {
                lock(c, "pg_advisory_unlock");
            }
        }
    }

    private static boolean lock(Connection c, String function) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + function + "(?)")) {
            ps.setLong(1, LOCK);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private int createAhead(Connection c, LocalDate today) throws SQLException {
        // From yesterday: a worker may still write a message accepted just before midnight.
        try (PreparedStatement ps = c.prepareStatement("SELECT sms_create_day_partitions(?, ?)")) {
            ps.setObject(1, today.minusDays(1));
            ps.setObject(2, today.plusDays(config.daysAhead()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /** The days that have a partition of messages, oldest first. */
    static List<LocalDate> partitionDays(Connection c) throws SQLException {
        List<LocalDate> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT substr(child.relname, length('messages_p') + 1) FROM pg_inherits i
                JOIN pg_class child ON child.oid = i.inhrelid
                WHERE i.inhparent = 'messages'::regclass AND child.relname ~ '^messages_p[0-9]{8}$'
                ORDER BY 1""");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                found.add(LocalDate.parse(rs.getString(1), SUFFIX));
            }
        }
        return found;
    }

    /** Drops a day's three partitions in one transaction; false when a reader held the table past the wait. */
    private static boolean drop(Connection c, LocalDate day) throws SQLException {
        String suffix = day.format(SUFFIX);
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '" + LOCK_WAIT + "'");
            // Names made here from a date, never from input.
            s.execute("DROP TABLE IF EXISTS " + String.join(", ", TABLES.stream().map(t -> t + "_p" + suffix).toList()));
            c.commit();
            return true;
        } catch (SQLException e) {
            c.rollback();
            if ("55P03".equals(e.getSQLState())) { // lock_not_available
                Log.infof("Partitions of %s not dropped: the tables were busy for %s; next run tries again", day,
                        LOCK_WAIT);
                return false;
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Rows of the default partition past the retention: only rows no day's partition took (older than any kept,
     * or written while none was made ahead), normally none, so a DELETE and not a mass one.
     */
    private static long deleteStrays(Connection c, LocalDate keepFrom) throws SQLException {
        long deleted = 0;
        for (String table : TABLES) {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM " + table + "_default WHERE queued_at < ?::date::timestamp AT TIME ZONE 'UTC'")) {
                ps.setObject(1, keepFrom);
                int n = ps.executeUpdate();
                if (table.equals("messages")) {
                    deleted = n;
                }
            }
        }
        return deleted;
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
