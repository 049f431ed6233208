package com.acme.sms.worker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The worker refuses timeouts under which a live worker's batch could be taken over while it waits. */
class TimeoutOrderTest {

    @Test
    void theDefaultsAreInOrder() {
        assertThat(TimeoutOrder.check(Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(60))).isEmpty();
    }

    @Test
    void aProviderTimeoutAsLongAsReclaimIdleIsRefusedWithTheSettingsNamed() {
        // The old defaults: a 60 s provider timeout equal to the 60 s reclaim-idle.
        assertThat(TimeoutOrder.check(Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(60)))
                .hasValueSatisfying(why -> assertThat(why).contains("sms.provider.timeout (PT1M)")
                        .contains("sms.worker.reclaim-idle (PT1M)").contains("SMS_WORKER_RECLAIM_IDLE"));
    }

    @Test
    void thePersistAttemptCountsInWholeSecondsRoundedUp() {
        assertThat(TimeoutOrder.persistSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(TimeoutOrder.persistSeconds(Duration.ofMillis(1001))).isEqualTo(2);
        assertThat(TimeoutOrder.check(Duration.ofMillis(500), Duration.ofMillis(1500), Duration.ofMillis(2500))).isPresent();
        assertThat(TimeoutOrder.check(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2000))).isEmpty();
    }

    @Test
    void aZeroProviderTimeoutIsRefused() {
        assertThat(TimeoutOrder.check(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(60))).isPresent();
    }
}
