package com.acme.sms.worker.receipt;

import com.acme.sms.live.LiveCounters;
import com.acme.sms.live.LiveEvent;
import com.acme.sms.message.MessageType;
import com.acme.sms.worker.consume.SendBacklog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Applies the receipts in {@code sms:receipts} to PostgreSQL, one thread per worker process (started and stopped
 * by the WorkerRunner). Each batch is applied in one transaction, then its unmatched receipts are kept and its
 * entries acknowledged in one Redis script: a crash between the two applies the batch again, which changes nothing.
 */
@ApplicationScoped
public class ReceiptApplier {

    private final ReceiptStream stream;
    private final ReceiptStore store;
    private final UnmatchedReceipts unmatched;
    private final ReceiptsConfig config;
    private final SendBacklog backlog;
    private final LiveCounters live;
    private final Map<ReceiptState, Counter> byState = new EnumMap<>(ReceiptState.class);
    private final Counter duplicates;
    private final Counter unmatchedCount;
    private final Counter dropped;
    private final Timer acceptedToFinal;
    private final AtomicLong unmatchedNow = new AtomicLong();
    /** 1 while receipts yield to a send backlog (sms.receipts.backlog-rate), else 0. */
    private final AtomicLong yieldingNow = new AtomicLong();
    static final Duration STOP_WAIT = Duration.ofSeconds(3);
    private volatile boolean running;
    /** Receipts per transaction now; see applyInPieces. */
    private volatile int piece;
    private static final int MIN_PIECE = 10;
    private Thread thread;

    public ReceiptApplier(ReceiptStream stream, ReceiptStore store, UnmatchedReceipts unmatched, ReceiptsConfig config,
            SendBacklog backlog, MeterRegistry registry, LiveCounters live) {
        this.live = live;
        this.stream = stream;
        this.backlog = backlog;
        this.store = store;
        this.unmatched = unmatched;
        this.config = config;
        this.piece = config.batchSize();
        for (ReceiptState s : ReceiptState.values()) {
            byState.put(s, Counter.builder("sms.receipts.applied").description("Receipts that changed a message or part")
                    .tag("state", s.name()).register(registry));
        }
        duplicates = Counter.builder("sms.receipts.duplicate")
                .description("Receipts for a message or part that already had its final state").register(registry);
        unmatchedCount = Counter.builder("sms.receipts.unmatched")
                .description("Receipts whose message was not found when they arrived (kept and tried again)")
                .register(registry);
        dropped = Counter.builder("sms.receipts.unmatched.dropped")
                .description("Unmatched receipts given up after sms.receipts.unmatched-retention").register(registry);
        Gauge.builder("sms.receipts.unmatched.waiting", unmatchedNow, AtomicLong::get)
                .description("Unmatched receipts waiting to be tried again").register(registry);
        Gauge.builder("sms.receipts.yielding", yieldingNow, AtomicLong::get)
                .description("1 while this worker applies receipts at sms.receipts.backlog-rate at most, because its"
                        + " queue has a backlog")
                .register(registry);
        acceptedToFinal = Timer.builder("sms.receipt.latency")
                .description("From acceptance to the delivery receipt that made the message delivered or undelivered")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofHours(1)).register(registry);
    }

    public synchronized void start(String consumer) {
        if (thread != null) {
            return;
        }
        stream.ensureGroup();
        running = true;
        thread = new Thread(() -> loop(consumer), "receipts-applier");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops after the batch in progress, waiting for it at most {@link #STOP_WAIT}; then leaves it pending. */
    public synchronized void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(STOP_WAIT.toMillis());
                if (thread.isAlive()) {
                    Log.warnf("The receipts applier did not finish its batch within %s; it stays pending for"
                            + " another worker", STOP_WAIT);
                    thread.interrupt();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    private void loop(String consumer) {
        long nextRetry = 0;
        long nextReclaim = 0;
        boolean failing = false;
        while (running) {
            try {
                long now = System.currentTimeMillis();
                if (now >= nextReclaim) {
                    List<ReceiptStream.Stored> claimed = stream.reclaim(consumer, config.reclaimIdle(), config.batchSize());
                    if (!claimed.isEmpty()) {
                        applyEntries(claimed);
                    }
                    nextReclaim = now + config.reclaimIdle().toMillis() / 4;
                }
                if (now >= nextRetry) {
                    retryUnmatched(now);
                    nextRetry = now + config.unmatchedRetry().toMillis();
                }
                boolean yielding = config.backlogRate() > 0 && backlog.waiting();
                yieldingNow.set(yielding ? 1 : 0);
                int count = yielding ? Math.min(config.batchSize(), config.backlogRate()) : config.batchSize();
                List<ReceiptStream.Stored> read = stream.read(consumer, count, Duration.ofMillis(500));
                if (!read.isEmpty()) {
                    applyEntries(read);
                    if (yielding) {
                        pauseWhile(read.size() * 1000L / config.backlogRate());
                    }
                }
                if (failing) {
                    Log.info("Receipts are applied again");
                    failing = false;
                }
            } catch (Exception e) {
                if (!running) {
                    break;
                }
                if (!failing) {
                    // Unacknowledged receipts stay pending and are applied once Redis and PostgreSQL answer again.
                    Log.warnf(e, "Could not apply receipts; retrying every second");
                    failing = true;
                }
                sleepQuietly(1000);
            }
        }
    }

    /** Applies receipts read from the stream, keeps the unmatched ones and acknowledges them all. */
    public void applyEntries(List<ReceiptStream.Stored> entries) throws Exception {
        ReceiptStore.Applied applied = applyInPieces(entries);
        List<ReceiptStream.Stored> notFound = entries.stream()
                .filter(s -> !applied.known().contains(s.receipt().providerId())).toList();
        unmatchedCount.increment(notFound.size());
        stream.done(entries, notFound);
    }

    /**
     * Tries the unmatched receipts that are due again, batch after batch while whole batches are due (at most for
     * {@code sms.receipts.unmatched-retry}, so new receipts keep their turn); drops those older than the retention.
     */
    public void retryUnmatched(long nowMillis) throws Exception {
        long until = System.currentTimeMillis() + config.unmatchedRetry().toMillis();
        List<ReceiptStream.Stored> waiting;
        do {
            waiting = unmatched.due(nowMillis, config.batchSize());
            if (waiting.isEmpty()) {
                break;
            }
            ReceiptStore.Applied applied = applyInPieces(waiting);
            List<ReceiptStream.Stored> done = new ArrayList<>();
            List<ReceiptStream.Stored> again = new ArrayList<>();
            int gaveUp = 0;
            for (ReceiptStream.Stored s : waiting) {
                if (applied.known().contains(s.receipt().providerId())) {
                    done.add(s);
                } else if (nowMillis - s.receivedAtMillis() > config.unmatchedRetention().toMillis()) {
                    done.add(s);
                    gaveUp++;
                } else {
                    again.add(s);
                }
            }
            if (gaveUp > 0) {
                dropped.increment(gaveUp);
                Log.warnf("Dropped %d receipts whose message was not found within %s", gaveUp,
                        config.unmatchedRetention());
            }
            unmatched.remove(done);
            unmatched.later(again, nowMillis, config.unmatchedRetry());
        } while (waiting.size() == config.batchSize() && running && System.currentTimeMillis() < until);
        unmatchedNow.set(unmatched.count());
    }

    /** Whether this worker process applies receipts (sms.receipts.apply) when it serves the given queue. */
    public boolean appliesFor(MessageType type) {
        return switch (config.apply().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> type == MessageType.NORMAL;
        };
    }

    /**
     * Applies the receipts in pieces of at most {@link #piece} each. A piece that times out is tried again halved: a
     * busy PostgreSQL would otherwise cancel the same large batch again and again and apply nothing (seen under
     * load in bench/run smpp); the piece grows back after each success.
     */
    private ReceiptStore.Applied applyInPieces(List<ReceiptStream.Stored> entries) throws Exception {
        java.util.Set<String> known = new java.util.HashSet<>();
        java.util.Set<String> changed = new java.util.HashSet<>();
        List<ReceiptStore.Finalized> finalized = new ArrayList<>();
        int from = 0;
        while (from < entries.size()) {
            int n = Math.min(piece, entries.size() - from);
            ReceiptStore.Applied a;
            try {
                a = apply(entries.subList(from, from + n));
            } catch (java.sql.SQLException e) {
                if (!"57014".equals(e.getSQLState()) || n <= MIN_PIECE) {
                    throw e;
                }
                piece = Math.max(MIN_PIECE, n / 2);
                Log.warnf("Applying %d receipts took longer than %s; trying pieces of %d", n,
                        config.statementTimeout(), piece);
                continue;
            }
            known.addAll(a.known());
            changed.addAll(a.changed());
            finalized.addAll(a.finalized());
            from += n;
            piece = Math.min(config.batchSize(), piece * 2);
        }
        return new ReceiptStore.Applied(known, changed, finalized);
    }

    private ReceiptStore.Applied apply(List<ReceiptStream.Stored> entries) throws Exception {
        List<Receipt> receipts = entries.stream().map(ReceiptStream.Stored::receipt).toList();
        List<Instant> at = entries.stream().map(s -> Instant.ofEpochMilli(s.receivedAtMillis())).toList();
        ReceiptStore.Applied applied = store.apply(receipts, at);
        Instant now = Instant.now();
        for (ReceiptStore.Finalized f : applied.finalized()) {
            acceptedToFinal.record(Duration.between(f.queuedAt(), now));
            MessageType.parse(f.type()).ifPresent(type -> live.add(
                    "delivered".equals(f.status()) ? LiveEvent.DELIVERED : LiveEvent.UNDELIVERED, type, 1));
        }
        for (ReceiptStream.Stored s : entries) {
            Receipt r = s.receipt();
            if (applied.changed().contains(r.providerId())) {
                byState.get(r.state()).increment();
            } else if (applied.known().contains(r.providerId()) && r.state().isFinal()) {
                duplicates.increment();
            }
        }
        return applied;
    }

    /** Sleeps while running, at most the given time, waking early when the backlog is gone. */
    private void pauseWhile(long ms) {
        long until = System.currentTimeMillis() + ms;
        while (running && backlog.waiting() && System.currentTimeMillis() < until) {
            sleepQuietly(Math.max(1, Math.min(100, until - System.currentTimeMillis())));
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
