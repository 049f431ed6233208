package com.acme.sms.worker.webhook;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the workers deliver status webhooks (README, Status webhooks). */
@ConfigMapping(prefix = "sms.webhooks")
public interface WebhookConfig {

    /**
     * Which worker processes deliver webhooks: {@code auto} (those of the normal queue, which run at a lower CPU
     * priority, as for receipts), {@code true} (every worker), {@code false} (not this one). At least one worker
     * process must deliver them, or the events wait in PostgreSQL.
     */
    @WithDefault("auto")
    String dispatch();

    /** Also http URLs; for local development only. */
    @WithDefault("false")
    boolean allowHttp();

    /** Also URLs that resolve to loopback, private or link-local addresses; for local development only. */
    @WithDefault("false")
    boolean allowPrivateAddresses();

    /** How long a receiver has to answer a batch (connect and response) before the try counts as failed. */
    @WithDefault("5s")
    Duration timeout();

    /** Events per request at most. */
    @WithDefault("100")
    int batchSize();

    /**
     * Requests in flight per worker process at most (one per client at a time). Each holds a PostgreSQL connection
     * for its length (the events it took stay locked until the answer decides): 8 of the pool's 20.
     */
    @WithDefault("8")
    int concurrency();

    /** How often the dispatcher looks for events that are due, when the last look found none. */
    @WithDefault("100ms")
    Duration pollInterval();

    /** Wait after the first failed try; doubled after each further one, up to max-backoff, with jitter. */
    @WithDefault("1s")
    Duration initialBackoff();

    @WithDefault("1h")
    Duration maxBackoff();

    /** An event not delivered this long after it was written (or re-triggered) goes to the failures list. */
    @WithDefault("24h")
    Duration giveUpAfter();
}
