package com.acme.sms.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "sms.worker")
public interface WorkerConfig {

    /** Most entries read from the stream at once; one batch is one PostgreSQL transaction. */
    @WithDefault("500")
    int batchSize();

    /** Consumer loops per process; each is its own consumer in the group, so sending and writing overlap. */
    @WithDefault("2")
    int concurrency();

    /** How long one read waits for new entries before the loop looks around (reclaims, shutdown). */
    @WithDefault("1s")
    Duration block();

    /**
     * An entry pending this long with another consumer is taken over: that consumer is presumed dead. A live consumer
     * refreshes its batch every quarter of this (BatchHeartbeat), so only a dead, frozen or cut-off one loses it; it
     * must exceed {@code sms.provider.timeout} plus {@code sms.worker.persist-timeout} (checked at start).
     */
    @WithDefault("60s")
    Duration reclaimIdle();

    /**
     * One attempt to write a batch to PostgreSQL is cancelled after this long (rounded up to whole seconds) and tried
     * again; the worker keeps the batch meanwhile, however long PostgreSQL is away.
     */
    @WithDefault("5s")
    Duration persistTimeout();

    /** How often each consumer looks for entries to take over; also how often the process forgets gone consumers. */
    @WithDefault("5s")
    Duration reclaimInterval();

    /** A message whose entry has been delivered this many times without being finished is dead-lettered. */
    @WithDefault("5")
    int maxDeliveries();

    /**
     * For tests and demonstrations only (empty, the default: none): recipients starting with this prefix are
     * dead-lettered on their first delivery, failed and refunded, as an entry delivered too often would be.
     */
    Optional<String> poisonPrefix();

    /** Send attempts for a message whose sending fails transiently, the first included; then it fails for good. */
    @WithDefault("4")
    int retryMaxAttempts();

    /** Pause before the first retry; doubles with each attempt, with random jitter of up to half of it. */
    @WithDefault("1s")
    Duration retryInitialBackoff();

    @WithDefault("60s")
    Duration retryMaxBackoff();

    /** An express message delivered later than this after acceptance counts as an SLA breach (the p99 target). */
    @WithDefault("100ms")
    Duration expressSla();

    /**
     * Fault injection for crash tests only: halt the process (as kill -9 would) at this step of the first batch:
     * after-read, after-send, after-persist, after-refund. Never set in production.
     */
    java.util.Optional<String> crashAt();

    /** On SIGTERM, how long the loops may take to finish their batch before the process exits anyway. */
    @WithDefault("20s")
    Duration shutdownTimeout();
}
