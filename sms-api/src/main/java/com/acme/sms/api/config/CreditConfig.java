package com.acme.sms.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Top-ups reaching the live balance, and rebuilds of the live balances. */
@ConfigMapping(prefix = "sms.credit")
public interface CreditConfig {

    /**
     * How long a top-up waits for Redis after PostgreSQL committed it. Past it the client gets 503 credit-pending:
     * the top-up is recorded and will be applied once, by a late answer or by the recovery job.
     */
    @WithDefault("10s")
    Duration redisWait();

    /** How often the recovery job looks for committed top-ups that have not reached the live balance. */
    @WithDefault("5s")
    Duration recoveryInterval();

    /**
     * A pending top-up younger than this is left to the request that made it (which waits up to
     * {@link #redisWait()}); an older one is applied by the recovery job. Applying twice is impossible either way.
     */
    @WithDefault("15s")
    Duration recoveryAge();

    /**
     * How long a rebuild waits, with acceptance frozen, for the workers to finish every queued and in-flight message
     * before it refuses (409 rebuild-refused).
     */
    @WithDefault("30s")
    Duration rebuildDrainWait();
}
