package com.acme.sms.worker.retry;

import com.acme.sms.worker.config.WorkerConfig;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * When a message whose sending failed transiently is tried again, and when it is given up: exponential backoff
 * from {@code initial}, capped at {@code max}, with "equal jitter" (half of the delay fixed, half random) so the
 * retries of a burst of failures spread out instead of hitting the provider together again.
 *
 * @param maxAttempts send attempts in all, the first included
 * @param randomBelow given n &gt; 0, a random number in [0, n); tests pass a fixed one
 */
public record RetryPolicy(Duration initial, Duration max, int maxAttempts, LongUnaryOperator randomBelow) {

    /** Doubling stops here, so a large attempt number cannot overflow the shift. */
    private static final int MAX_DOUBLINGS = 20;

    public RetryPolicy {
        if (initial.isNegative() || max.isNegative() || maxAttempts < 1) {
            throw new IllegalArgumentException("retry policy needs non-negative backoffs and at least one attempt");
        }
    }

    public static RetryPolicy from(WorkerConfig config) {
        return new RetryPolicy(config.retryInitialBackoff(), config.retryMaxBackoff(), config.retryMaxAttempts(),
                n -> ThreadLocalRandom.current().nextLong(n));
    }

    /** Whether a transient failure of this attempt may be tried again. */
    public boolean mayRetryAfter(int attemptJustMade) {
        return attemptJustMade < maxAttempts;
    }

    /** The pause after the given attempt failed: between half and all of min(max, initial * 2^(attempt-1)). */
    public Duration backoff(int attemptJustMade) {
        long delay = Math.min(max.toMillis(), initial.toMillis() << Math.min(Math.max(attemptJustMade - 1, 0), MAX_DOUBLINGS));
        return Duration.ofMillis(delay / 2 + randomBelow.applyAsLong(delay / 2 + 1));
    }

    /** When the next attempt is due, for an attempt that failed at {@code nowMillis}. */
    public long nextDueMillis(long nowMillis, int attemptJustMade) {
        return nowMillis + backoff(attemptJustMade).toMillis();
    }
}
