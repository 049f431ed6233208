package com.acme.sms.worker.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Worker settings under which a promise cannot hold are refused at start, with a message naming the setting,
 * instead of failing later in ways that look like bugs: a batch size of 0 is "read everything" to Redis, no
 * consumer delivers nothing, a delivery limit of 0 dead-letters every message, a zero reclaim timeout takes live
 * batches from their workers.
 */
public final class SettingsCheck {

    private SettingsCheck() {}

    /** One line per impossible setting; empty when the worker may start. */
    public static List<String> problems(WorkerConfig c) {
        List<String> problems = new ArrayList<>();
        if (c.batchSize() < 1) {
            problems.add("sms.worker.batch-size must be at least 1 (0 would read the whole stream at once), is "
                    + c.batchSize());
        }
        if (c.concurrency() < 1) {
            problems.add("sms.worker.concurrency must be at least 1 (no consumer delivers nothing), is " + c.concurrency());
        }
        if (c.maxDeliveries() < 1) {
            problems.add("sms.worker.max-deliveries must be at least 1 (every message would be dead-lettered), is "
                    + c.maxDeliveries());
        }
        if (c.retryMaxAttempts() < 1) {
            problems.add("sms.worker.retry-max-attempts must be at least 1 (the first attempt counts), is "
                    + c.retryMaxAttempts());
        }
        positive(problems, "sms.worker.retry-initial-backoff", c.retryInitialBackoff());
        positive(problems, "sms.worker.retry-max-backoff", c.retryMaxBackoff());
        if (c.retryInitialBackoff().compareTo(c.retryMaxBackoff()) > 0) {
            problems.add("sms.worker.retry-initial-backoff (" + c.retryInitialBackoff()
                    + ") must not exceed sms.worker.retry-max-backoff (" + c.retryMaxBackoff() + ")");
        }
        positive(problems, "sms.worker.block", c.block());
        positive(problems, "sms.worker.reclaim-idle", c.reclaimIdle());
        positive(problems, "sms.worker.reclaim-interval", c.reclaimInterval());
        positive(problems, "sms.worker.shutdown-timeout", c.shutdownTimeout());
        return problems;
    }

    private static void positive(List<String> problems, String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            problems.add(name + " must be longer than 0, is " + d);
        }
    }
}
