package com.acme.sms.api.message;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import io.agroal.api.AgroalDataSource;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.postgresql.PGStatement;

/**
 * A client's whole message log (or the part a filter keeps), oldest first, read as it is written out: one statement
 * whose rows PostgreSQL hands over a batch at a time ({@link #FETCH_SIZE}), so an export of millions of rows holds one
 * batch in memory, never the log. The statement reads one snapshot: a message whose status changes meanwhile is
 * exported as it was when the export began.
 *
 * <p>An export holds its PostgreSQL connection (and transaction) from {@link #open} to {@link Rows#close}, for as
 * long as the client takes to read it; the caller bounds how many run at once (ExportsInFlight).
 */
@ApplicationScoped
public class MessageExport {

    /** Rows per round trip to PostgreSQL: enough to make the trips' cost small, few enough to stay a small buffer. */
    static final int FETCH_SIZE = 1000;
    /** How exports show in pg_stat_activity, for operators (and the tests that cut one short). */
    public static final String APPLICATION_NAME = "sms-api export";
    /** Rows handed from the reading thread to the writing one at a time. */
    static final int CHUNK_ROWS = 250;
    /** Chunks read ahead of the writer, at most: with the batch the driver holds, a few thousand rows in memory. */
    static final int CHUNKS_AHEAD = 2;
    /** What the reader hands over after the last row. */
    private static final Object END = new Object();
    /** How far beyond the statement timeout the socket waits, so that PostgreSQL's own cancel is what ends a slow batch. */
    private static final int SOCKET_MARGIN_MILLIS = 10_000;

    private final AgroalDataSource db;
    private final int queryTimeoutSeconds;
    private final long statementTimeoutMillis;
    /** One thread per running export (ExportsInFlight bounds them), reading its rows. */
    private final ExecutorService readers;

    public MessageExport(AgroalDataSource db, ApiConfig config, StoreBounds bounds) {
        this.db = db;
        this.queryTimeoutSeconds = bounds.queryTimeoutSeconds();
        this.statementTimeoutMillis = config.exportStatementTimeout().toMillis();
        AtomicInteger threads = new AtomicInteger();
        this.readers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "export-reader-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void stop() {
        readers.shutdownNow();
    }

    /** The sent-log's filters, without pages; bounds are half-open: {@code from <= queued_at < until}. */
    public record Filter(MessageStatus status, MessageType type, Instant from, Instant until) {}

    /** Takes the rows one by one; an {@link IOException} (the client went away) ends the export. */
    @FunctionalInterface
    public interface RowSink {
        void accept(SentMessage message) throws IOException;
    }

    /**
     * Starts the client's export: takes a connection, plans the walk and reads the first batch, so that a store that
     * is down or too slow fails here, while the client can still be answered with a problem, rather than after the
     * first bytes were sent.
     */
    public Rows open(String clientId, Filter f) {
        // Only fixed fragments are concatenated; every value is a bound parameter.
        StringBuilder where = new StringBuilder("m.client_id = ?");
        List<Object> params = new ArrayList<>();
        params.add(clientId);
        // The sent-log's statuses: delivered and undelivered are a sent message's receipt; sent is a sent message
        // without one (see SentLog). The outcome is joined anyway, so it is tested there rather than probed twice.
        if (f.status() == MessageStatus.DELIVERED || f.status() == MessageStatus.UNDELIVERED) {
            where.append(" AND m.status = 'sent' AND o.outcome = ?");
            params.add(f.status().wireName());
        } else if (f.status() == MessageStatus.SENT) {
            where.append(" AND m.status = 'sent' AND o.message_id IS NULL");
        } else if (f.status() != null) {
            where.append(" AND m.status = ?");
            params.add(f.status().wireName());
        }
        if (f.type() != null) {
            where.append(" AND m.type = ?");
            params.add(f.type().wireName());
        }
        if (f.from() != null) {
            where.append(" AND m.queued_at >= ?");
            params.add(f.from().atOffset(ZoneOffset.UTC));
        }
        if (f.until() != null) {
            where.append(" AND m.queued_at < ?");
            params.add(f.until().atOffset(ZoneOffset.UTC));
        }
        String sql = "SELECT " + SentLog.COLUMNS + " FROM messages m" + SentLog.WITH_OUTCOME + " WHERE " + where
                + " ORDER BY m.queued_at, m.id";
        Connection c = null;
        Rows rows = null;
        try {
            c = db.getConnection();
            rows = new Rows(c, c.getNetworkTimeout(), readers);
            // A batch may take up to the statement timeout: the socket must wait a little longer than that, or the
            // pool's socket timeout (10 s) would cut a slow batch first, with a broken connection instead of a cancel.
            c.setNetworkTimeout(Runnable::run, (int) statementTimeoutMillis + SOCKET_MARGIN_MILLIS);
            // PostgreSQL keeps a statement's rows in a cursor only inside a transaction; without one the driver would
            // read them all into memory before the first is returned.
            c.setAutoCommit(false);
            try (PreparedStatement settings = c.prepareStatement(SETTINGS)) {
                settings.setQueryTimeout(queryTimeoutSeconds);
                settings.setString(1, statementTimeoutMillis + "ms");
                settings.setString(2, IDLE_IN_TRANSACTION_TIMEOUT);
                settings.setString(3, APPLICATION_NAME);
                settings.execute();
            }
            rows.statement = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            rows.statement.setFetchSize(FETCH_SIZE);
            // Times and ids in PostgreSQL's binary form from the first execution (the driver's default is text until a
            // statement has run five times on a connection): their text form costs PostgreSQL and the driver more CPU
            // time than the rest of a row.
            rows.statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
            int i = 1;
            for (Object p : params) {
                rows.statement.setObject(i++, p);
            }
            rows.results = rows.statement.executeQuery();
            rows.hasRow = rows.results.next();
            return rows;
        } catch (SQLException e) {
            if (rows != null) {
                rows.close();
            } else if (c != null) {
                closeQuietly(c);
            }
            throw StoreBounds.postgresFailure("starting an export", e);
        } catch (RuntimeException | Error e) {
            if (rows != null) {
                rows.close();
            }
            throw e;
        }
    }

    /**
     * The export's settings, for its transaction only ({@code set_config(..., true)} is {@code SET LOCAL}).
     *
     * <ul>
     * <li>{@code statement_timeout}: PostgreSQL starts it afresh for every batch it is asked for, so it bounds one
     * batch, not the export.</li>
     * <li>{@code idle_in_transaction_session_timeout}: while the client reads nothing the transaction waits, holding
     * its snapshot (which keeps VACUUM from removing dead rows everywhere); a client that reads nothing for this long
     * loses its export.</li>
     * <li>The plan: walk the covering index of each day in (queued_at, id) order, merge the days, and probe each
     * message's outcome by its key in the same day's partition (a partition-wise nested loop). The planner, costing
     * the whole result, would rather sort and hash join everything first (the first row after seconds, and temporary
     * files as large as the export); streaming needs the plan whose first rows come at once, which is also the
     * faster one to finish here (about twice as fast as the same walk probing the partitioned table). JIT is off:
     * compiling a plan over a hundred partitions takes longer than it saves.</li>
     * </ul>
     */
    private static final String SETTINGS = "SELECT set_config('statement_timeout', ?, true),"
            + " set_config('idle_in_transaction_session_timeout', ?, true), set_config('application_name', ?, true),"
            + " set_config('enable_partitionwise_join', 'on', true), set_config('enable_hashjoin', 'off', true),"
            + " set_config('enable_mergejoin', 'off', true), set_config('enable_sort', 'off', true),"
            + " set_config('jit', 'off', true)";
    /** See {@link #SETTINGS}. */
    static final String IDLE_IN_TRANSACTION_TIMEOUT = "60s";

    /** An export in progress: its connection, statement and rows. Closed once, by whoever finishes with it. */
    public static final class Rows implements AutoCloseable {

        private final Connection connection;
        private final int networkTimeout;
        private final ExecutorService readers;
        private PreparedStatement statement;
        private ResultSet results;
        /** Whether {@link #results} stands on a row not handed over yet. */
        private boolean hasRow;

        private Rows(Connection connection, int networkTimeout, ExecutorService readers) {
            this.connection = connection;
            this.networkTimeout = networkTimeout;
            this.readers = readers;
        }

        /**
         * Hands every row to the sink, in (queued_at, id) order, and returns how many. A PostgreSQL failure midway
         * fails with the store's exception, as {@link SentLog} does; the rows handed over so far stay handed over.
         *
         * <p>The rows are read on a thread of their own, at most {@link #CHUNKS_AHEAD} chunks ahead of the sink. The
         * driver asks PostgreSQL for the next batch only once the last one is read; read on the sink's thread,
         * PostgreSQL would wait idle while each batch is written out, and the sink while the next is made. Apart,
         * the two overlap (on two cores about 1.5 times the rows per second).
         */
        public long writeTo(RowSink sink) throws IOException {
            BlockingQueue<Object> chunks = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
            AtomicBoolean stop = new AtomicBoolean();
            Future<?> reading = readers.submit(() -> read(chunks, stop));
            long n = 0;
            try {
                while (true) {
                    Object next = chunks.poll(1, TimeUnit.SECONDS);
                    if (next == null) {
                        if (reading.isDone() && chunks.isEmpty()) {
                            throw new IllegalStateException("The export's reader ended without a word");
                        }
                    } else if (next == END) {
                        return n;
                    } else if (next instanceof RuntimeException failed) {
                        throw failed;
                    } else {
                        for (Object m : (List<?>) next) {
                            sink.accept((SentMessage) m);
                            n++;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("Interrupted while writing an export", e);
            } finally {
                // The reader may be waiting for room: it gives up once told to stop. Only then may the connection
                // be closed (by the caller), never under a read in progress.
                stop.set(true);
                chunks.clear();
                awaitQuietly(reading);
            }
        }

        /** Reads the rows into chunks, then {@link #END}, or a failure, unless told to stop. On a reader thread. */
        private void read(BlockingQueue<Object> chunks, AtomicBoolean stop) {
            Object last = END;
            try {
                List<SentMessage> chunk = new ArrayList<>(CHUNK_ROWS);
                while (hasRow && !stop.get()) {
                    chunk.add(SentLog.row(results));
                    hasRow = results.next();
                    if (chunk.size() == CHUNK_ROWS) {
                        put(chunks, chunk, stop);
                        chunk = new ArrayList<>(CHUNK_ROWS);
                    }
                }
                if (!chunk.isEmpty()) {
                    put(chunks, chunk, stop);
                }
            } catch (SQLException e) {
                last = StoreBounds.postgresFailure("streaming an export", e);
            } catch (RuntimeException e) {
                last = e;
            } catch (Error e) {
                last = new IllegalStateException("Reading an export failed", e);
            } finally {
                hasRow = false;
            }
            put(chunks, last, stop);
        }

        /**
         * Hands one item over, waiting for room. Interrupted (the API is stopping), it stops the export instead:
         * nothing is handed over after an item that was not, so the writer can never end a file with a chunk
         * missing; it sees the reader end without {@link #END} and aborts the download.
         */
        private static void put(BlockingQueue<Object> chunks, Object item, AtomicBoolean stop) {
            try {
                while (!stop.get() && !chunks.offer(item, 100, TimeUnit.MILLISECONDS)) {
                    // the sink is slower than PostgreSQL: wait for room, or to be told to stop
                }
            } catch (InterruptedException e) {
                stop.set(true);
                Thread.currentThread().interrupt();
            }
        }

        private static void awaitQuietly(Future<?> reading) {
            boolean interrupted = false;
            while (true) {
                try {
                    reading.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException impossible) {
                    break; // read() catches everything
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        /** Ends the transaction and gives the connection back, as it was taken. */
        @Override
        public void close() {
            try {
                if (results != null) {
                    results.close();
                }
                if (statement != null) {
                    statement.close();
                }
                connection.rollback();
                connection.setNetworkTimeout(Runnable::run, networkTimeout);
            } catch (SQLException broken) {
                // The connection failed (the failure that ended the export, as a rule); the pool checks each
                // connection as it is borrowed and drops one that is dead.
            } finally {
                closeQuietly(connection);
            }
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // Nothing more to give back.
        }
    }
}
