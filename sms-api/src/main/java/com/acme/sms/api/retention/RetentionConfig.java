package com.acme.sms.api.retention;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How long messages are kept, and the daily partitions that hold them (V10, ADR 0017). */
@ConfigMapping(prefix = "sms.retention")
public interface RetentionConfig {

    /**
     * Days of messages kept, counted in whole UTC days of queued_at; older days are dropped as partitions. 0 keeps
     * everything. The daily usage counters are kept whatever this says.
     */
    @WithDefault("90")
    int days();

    /** Days of partitions made ahead of today, so that the workers' writes never wait for one. */
    @WithDefault("14")
    int daysAhead();

    /** How often the maintenance runs (and once at start). */
    @WithDefault("1h")
    Duration interval();
}
