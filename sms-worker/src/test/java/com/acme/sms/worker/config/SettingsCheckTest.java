package com.acme.sms.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SettingsCheckTest {

    record Settings(int batchSize, int concurrency, Duration block, Duration reclaimIdle, Duration persistTimeout,
            Duration reclaimInterval,
            int maxDeliveries, int retryMaxAttempts, Duration retryInitialBackoff, Duration retryMaxBackoff,
            Duration expressSla, Optional<String> crashAt, Duration shutdownTimeout) implements WorkerConfig {

        @Override
        public Optional<String> poisonPrefix() {
            return Optional.empty();
        }
    }

    static Settings defaults() {
        return new Settings(500, 2, Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(5),
                5, 4,
                Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMillis(100), Optional.empty(),
                Duration.ofSeconds(20));
    }

    @Test
    void theDefaultsPass() {
        assertThat(SettingsCheck.problems(defaults())).isEmpty();
    }

    @Test
    void settingsThatMakeAPromiseImpossibleAreEachNamed() {
        Settings d = defaults();
        Settings bad = new Settings(0, 0, d.block(), Duration.ZERO, d.persistTimeout(), d.reclaimInterval(), 0, 0,
                Duration.ofMinutes(5),
                Duration.ofSeconds(60), d.expressSla(), d.crashAt(), d.shutdownTimeout());

        assertThat(SettingsCheck.problems(bad)).hasSize(6)
                .anySatisfy(p -> assertThat(p).startsWith("sms.worker.batch-size must be at least 1"))
                .anySatisfy(p -> assertThat(p).startsWith("sms.worker.concurrency"))
                .anySatisfy(p -> assertThat(p).startsWith("sms.worker.max-deliveries"))
                .anySatisfy(p -> assertThat(p).startsWith("sms.worker.retry-max-attempts"))
                .anySatisfy(p -> assertThat(p).startsWith("sms.worker.retry-initial-backoff (PT5M) must not exceed"))
                .anySatisfy(p -> assertThat(p).startsWith("sms.worker.reclaim-idle must be longer than 0"));
    }
}
