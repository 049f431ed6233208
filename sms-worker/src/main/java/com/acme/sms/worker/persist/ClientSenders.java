package com.acme.sms.worker.persist;

import com.acme.sms.message.QueuedMessage;
import com.acme.sms.worker.config.TimeoutOrder;
import com.acme.sms.worker.config.WorkerConfig;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Fills {@code client_senders}: which client has sent from which sender, so that a STOP texted to a sender opts the
 * number out of every client that uses it (see {@code inbound.MobileOriginatedHandler}).
 *
 * <p>
 * Almost every batch repeats pairs it has seen many times, so the pairs this process has recorded are remembered
 * (the {@value #REMEMBERED} most recently used) and only the others reach PostgreSQL: in steady state this costs no
 * round trip at all. A pair enters the memory only after its insert committed; a pair whose insert failed is not
 * remembered, so the next batch that carries it tries again.
 *
 * <p>
 * It runs right after the batch's outcomes are committed, in its own statement, and never throws: a pair is
 * bookkeeping for inbound opt-outs, and a failure to write it must neither hold nor fail a batch whose messages went
 * out. Inside the persist transaction it would do both (a refused pair would roll the outcomes back and have
 * {@link PersistStep} isolate and fail messages over it). The price is a small window: a worker that dies between
 * the commit and this insert leaves the pair out until the next message with it (a new process remembers nothing,
 * so that message records it). The V8 migration backfilled every pair from {@code messages}.
 */
@ApplicationScoped
public class ClientSenders {

    /** Pairs remembered as recorded; at ~150 bytes each, about 1.5 MB at most. */
    static final int REMEMBERED = 10_000;
    /** The columns' widths (V8): a pair that cannot fit has no message row either, and must not fail every try. */
    private static final int SENDER_COLUMN = 16;
    private static final int CLIENT_COLUMN = 64;

    private static final String INSERT = """
            INSERT INTO client_senders (sender, client_id)
            SELECT * FROM unnest(?::text[], ?::text[])
            ON CONFLICT (sender, client_id) DO NOTHING
            """;

    record Pair(String sender, String clientId) implements Comparable<Pair> {
        @Override
        public int compareTo(Pair o) {
            int c = sender.compareTo(o.sender);
            return c != 0 ? c : clientId.compareTo(o.clientId);
        }
    }

    private final AgroalDataSource db;
    private final int timeoutSeconds;
    /** Access-ordered, so the pairs in use stay and the ones no longer sent from drop out first. */
    private final Map<Pair, Boolean> recorded = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Pair, Boolean> eldest) {
            return size() > REMEMBERED;
        }
    };

    public ClientSenders(AgroalDataSource db, WorkerConfig config) {
        this.db = db;
        this.timeoutSeconds = TimeoutOrder.persistSeconds(config.persistTimeout());
    }

    /**
     * Records the distinct (sender, client) pairs of the messages that this process has not recorded yet. Never
     * throws: a failure is logged and the pairs are tried again with a later batch.
     *
     * @return how many pairs were sent to PostgreSQL (0 when all were known, or the insert failed)
     */
    public int record(Collection<QueuedMessage> messages) {
        // Sorted, so two workers inserting overlapping pairs wait for each other in the same order, never in a cycle.
        TreeSet<Pair> unseen = new TreeSet<>();
        synchronized (recorded) {
            for (QueuedMessage m : messages) {
                Pair p = pair(m);
                // get() also marks a known pair as recently used.
                if (p != null && recorded.get(p) == null) {
                    unseen.add(p);
                }
            }
        }
        if (unseen.isEmpty()) {
            return 0;
        }
        try {
            insert(List.copyOf(unseen));
        } catch (SQLException | RuntimeException e) {
            Log.warnf("client_senders: %d new sender/client pair(s) not recorded (%s); tried again with the next batch"
                    + " that carries them. Until then a STOP texted to such a sender misses that client.", unseen.size(),
                    e.getMessage());
            return 0;
        }
        synchronized (recorded) {
            unseen.forEach(p -> recorded.put(p, Boolean.TRUE));
        }
        return unseen.size();
    }

    /** For tests: whether the pair is remembered as recorded. */
    boolean remembers(String sender, String clientId) {
        synchronized (recorded) {
            return recorded.containsKey(new Pair(sender, clientId));
        }
    }

    private static Pair pair(QueuedMessage m) {
        // As messages.from_number holds it, so the pair matches the V8 backfill and what the API stores.
        String sender = m.from();
        String client = m.clientId();
        if (sender == null || sender.isEmpty() || client == null || sender.length() > SENDER_COLUMN
                || client.length() > CLIENT_COLUMN
                || sender.indexOf('\u0000') >= 0 || client.indexOf('\u0000') >= 0) {
            return null;
        }
        return new Pair(sender, client);
    }

    private void insert(List<Pair> pairs) throws SQLException {
        try (Connection c = db.getConnection()) {
            // One statement, committed by itself: the pool may hand out a connection last used without autocommit.
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement(INSERT)) {
                // Bounded like a persist attempt: this runs inside the batch, before its entries are acknowledged.
                ps.setQueryTimeout(timeoutSeconds);
                ps.setArray(1, c.createArrayOf("text", pairs.stream().map(Pair::sender).toArray(String[]::new)));
                ps.setArray(2, c.createArrayOf("text", pairs.stream().map(Pair::clientId).toArray(String[]::new)));
                ps.executeUpdate();
            }
        }
    }
}
