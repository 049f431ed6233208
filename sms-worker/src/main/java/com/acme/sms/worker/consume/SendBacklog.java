package com.acme.sms.worker.consume;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.function.LongSupplier;

/**
 * Whether this worker's queue has a backlog: a consumer read a full batch a moment ago. The receipts applier asks
 * before each batch and yields the CPU to sending while it has one (sms.receipts.backlog-rate): a receipt can come
 * a minute late without harm, a message can not.
 */
@ApplicationScoped
public class SendBacklog {

    /** How long after the last full read the queue still counts as backed up. */
    static final long HOLD_NANOS = 2_000_000_000L;

    private final LongSupplier nanoTime;
    private volatile long lastFullReadNanos;
    private volatile boolean seen;

    public SendBacklog() {
        this(System::nanoTime);
    }

    SendBacklog(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** A consumer read as many entries as it asked for: more are waiting. */
    public void fullBatchRead() {
        lastFullReadNanos = nanoTime.getAsLong();
        seen = true;
    }

    public boolean waiting() {
        return seen && nanoTime.getAsLong() - lastFullReadNanos < HOLD_NANOS;
    }
}
