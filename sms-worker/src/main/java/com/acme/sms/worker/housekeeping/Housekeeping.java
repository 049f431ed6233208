package com.acme.sms.worker.housekeeping;

import com.acme.sms.message.MessageType;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.retry.DueRetryPromotion;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker process's periodic duties, run on one thread of their own, once per process however many consumers
 * it runs: {@value #PROMOTE_DUE_RETRIES} (every {@link DueRetryPromotion#INTERVAL}) and {@value #PRUNE_GONE_CONSUMERS}
 * (every {@code sms.worker.reclaim-interval}). Started and stopped with the consumers by the WorkerRunner.
 */
@ApplicationScoped
public class Housekeeping {

    public static final String PROMOTE_DUE_RETRIES = "promote-due-retries";
    public static final String PRUNE_GONE_CONSUMERS = "prune-gone-consumers";

    private final DueRetryPromotion retries;
    private final ConsumerPruning pruning;
    private final WorkerConfig config;
    private final Map<String, AtomicLong> runs = new ConcurrentHashMap<>();
    private ScheduledExecutorService executor;

    public Housekeeping(DueRetryPromotion retries, ConsumerPruning pruning, WorkerConfig config) {
        this.retries = retries;
        this.pruning = pruning;
        this.config = config;
    }

    /**
     * Starts the tasks for the type's queue.
     *
     * @param consumerPrefix the names of this process's consumers start with it; they are never pruned
     */
    public synchronized void start(MessageType type, String consumerPrefix) {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "housekeeping-" + type.wireName());
            t.setDaemon(true);
            return t;
        });
        schedule(PROMOTE_DUE_RETRIES, DueRetryPromotion.INTERVAL, () -> retries.promote(type));
        schedule(PRUNE_GONE_CONSUMERS, config.reclaimInterval(),
                () -> pruning.prune(type, name -> name.startsWith(consumerPrefix), ConsumerPruning.FORGET_AFTER));
    }

    public synchronized void stop() {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                Log.warn("Housekeeping did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor = null;
    }

    public synchronized boolean running() {
        return executor != null;
    }

    /** Completed runs of each task since the process started (failed runs are not counted). */
    public long runs(String task) {
        AtomicLong n = runs.get(task);
        return n == null ? 0 : n.get();
    }

    private void schedule(String name, Duration every, Runnable task) {
        AtomicLong completed = runs.computeIfAbsent(name, n -> new AtomicLong());
        boolean[] failing = {false};
        // A task that throws would never run again under scheduleWithFixedDelay: every failure is caught here, and
        // logged once per outage rather than every interval.
        executor.scheduleWithFixedDelay(() -> {
            try {
                task.run();
                completed.incrementAndGet();
                if (failing[0]) {
                    Log.infof("Housekeeping task %s works again", name);
                    failing[0] = false;
                }
            } catch (RuntimeException e) {
                if (!failing[0]) {
                    Log.warnf(e, "Housekeeping task %s failed; retrying every %s", name, every);
                    failing[0] = true;
                }
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }
}
