package com.acme.sms.worker.consume;

import com.acme.sms.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.function.LongSupplier;

/**
 * Whether this worker's queue has a backlog: more messages wait in it than the consumers take in four reads. The
 * consumers report the queue's length after each full read; the receipts applier asks before each batch and
 * yields the CPU to sending while there is a backlog (sms.receipts.backlog-rate): a receipt can come a minute late
 * without harm, a message can not.
 * <p>
 * A full read alone is no backlog: under a steady load the workers keep up with, a read often finds a full batch
 * waiting, and receipts held back then would pile up for as long as the load lasts.
 */
@ApplicationScoped
public class SendBacklog {

    /** How long a reported length counts: a queue read empty-handed since reports nothing. */
    static final long HOLD_NANOS = 2_000_000_000L;

    private final long threshold;
    private final LongSupplier nanoTime;
    private volatile long reportedAtNanos;
    private volatile boolean backedUp;

    @Inject
    public SendBacklog(WorkerConfig config) {
        this(4L * config.batchSize() * config.concurrency(), System::nanoTime);
    }

    SendBacklog(long threshold, LongSupplier nanoTime) {
        this.threshold = threshold;
        this.nanoTime = nanoTime;
    }

    /** A consumer read a full batch and found this many entries in the queue (waiting and in progress). */
    public void queueLength(long entries) {
        backedUp = entries > threshold;
        reportedAtNanos = nanoTime.getAsLong();
    }

    public boolean waiting() {
        return backedUp && nanoTime.getAsLong() - reportedAtNanos < HOLD_NANOS;
    }

    /** Queue length above which it is a backlog. */
    public long threshold() {
        return threshold;
    }
}
