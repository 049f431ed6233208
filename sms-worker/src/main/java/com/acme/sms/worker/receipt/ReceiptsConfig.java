package com.acme.sms.worker.receipt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the workers apply delivery receipts to PostgreSQL. */
@ConfigMapping(prefix = "sms.receipts")
public interface ReceiptsConfig {

    /** Receipts applied in one PostgreSQL transaction. */
    @WithDefault("1000")
    int batchSize();

    /** How long a receipt whose message is not found is kept and tried again (its message may not be saved yet). */
    @WithDefault("1h")
    Duration unmatchedRetention();

    /** How often the unmatched receipts are tried again. */
    @WithDefault("5s")
    Duration unmatchedRetry();

    /** A receipt read by an applier that has not finished it for this long is taken over (the applier died). */
    @WithDefault("60s")
    Duration reclaimIdle();
}
