package com.acme.sms.worker.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RetryPolicyTest {

    static final Duration INITIAL = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofSeconds(60);

    static RetryPolicy withRandom(long fixed) {
        return new RetryPolicy(INITIAL, MAX, 4, n -> Math.min(fixed, n - 1));
    }

    @ParameterizedTest(name = "attempt {0}: delay {1} ms, backoff between {2} and {3} ms")
    @CsvSource({
        // attempt, full delay, least (no jitter), most (all jitter)
        "1, 1000, 500, 1000",
        "2, 2000, 1000, 2000",
        "3, 4000, 2000, 4000",
        "6, 32000, 16000, 32000",
        "7, 60000, 30000, 60000", // 64 s capped at the maximum
        "40, 60000, 30000, 60000", // doubling stops long before the shift could overflow
        "0, 1000, 500, 1000", // nonsense attempt numbers behave as the first
    })
    void backoffDoublesPerAttemptUpToTheMaximumWithHalfOfItRandom(int attempt, long delay, long least, long most) {
        assertThat(withRandom(0).backoff(attempt)).isEqualTo(Duration.ofMillis(least));
        assertThat(withRandom(Long.MAX_VALUE).backoff(attempt)).isEqualTo(Duration.ofMillis(most));
        assertThat(least + delay / 2).isEqualTo(most);
    }

    @Test
    void theRandomPartAsksForANumberBelowHalfTheDelayPlusOne() {
        long[] asked = new long[1];
        RetryPolicy policy = new RetryPolicy(INITIAL, MAX, 4, n -> {
            asked[0] = n;
            return 123;
        });
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofMillis(1000 + 123));
        assertThat(asked[0]).isEqualTo(1001);
        assertThat(policy.nextDueMillis(10_000, 2)).isEqualTo(10_000 + 1123);
    }

    @Test
    void theRealRandomStaysWithinTheBounds() {
        RetryPolicy policy = new RetryPolicy(INITIAL, MAX, 4,
                n -> java.util.concurrent.ThreadLocalRandom.current().nextLong(n));
        for (int i = 0; i < 1000; i++) {
            assertThat(policy.backoff(3).toMillis()).isBetween(2000L, 4000L);
        }
    }

    @ParameterizedTest(name = "attempt {0} of 4 may be retried: {1}")
    @CsvSource({"1, true", "3, true", "4, false", "5, false"})
    void attemptsAreLimitedTheFirstIncluded(int attempt, boolean retry) {
        assertThat(withRandom(0).mayRetryAfter(attempt)).isEqualTo(retry);
    }

    @Test
    void aPolicyWithoutAnyAttemptIsRefused() {
        assertThatThrownBy(() -> new RetryPolicy(INITIAL, MAX, 0, n -> 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
