package com.acme.sms.worker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "sms.health")
public interface HealthConfig {

    /**
     * A consumer that has not finished a loop (a read and its batch) for this long is stuck, and liveness goes red
     * so the process is restarted; its batch stays pending for another worker. Far above any batch's time.
     */
    @WithDefault("5m")
    Duration stuckAfter();
}
