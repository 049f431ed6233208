package com.acme.sms.api.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-client budget of sent-log bytes, on a clock the test moves. */
class ReadBytesBudgetTest {

    static final long PER_SECOND = 1_000_000;

    final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    final ReadBytesBudget budget = new ReadBytesBudget(PER_SECOND, now::get);

    @Test
    void aClientReadsTwoSecondsWorthAtOnceThenOwesAndIsRefusedUntilItHasPaid() {
        for (int i = 0; i < 3; i++) {
            budget.admit("heavy");
            budget.charge("heavy", 650_000);
        }
        // 1.95 MB of 2 MB used: one more read is let in, and may overdraw by its page.
        budget.admit("heavy");
        budget.charge("heavy", 650_000);
        assertThat(budget.available("heavy")).isEqualTo(-600_000.0);

        RateLimitedException refused = catchThrowableOfType(RateLimitedException.class, () -> budget.admit("heavy"));
        assertThat(refused.limit()).isEqualTo("read-bytes");
        assertThat(refused.retryAfterSeconds()).isEqualTo(1);
        // Another client is not touched.
        assertThatNoException().isThrownBy(() -> budget.admit("quiet"));

        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(catchThrowableOfType(RateLimitedException.class, () -> budget.admit("heavy"))).isNotNull();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(200));
        assertThatNoException().isThrownBy(() -> budget.admit("heavy"));
    }

    @Test
    void aLargeDebtGivesALongerRetryAfter() {
        budget.charge("heavy", 5_500_000);
        assertThat(budget.available("heavy")).isEqualTo(-3_500_000.0);
        assertThat(catchThrowableOfType(RateLimitedException.class, () -> budget.admit("heavy")).retryAfterSeconds())
                .isEqualTo(4);
    }

    @Test
    void theBucketNeverHoldsMoreThanTwoSecondsWorth() {
        budget.charge("idle-then-busy", 1);
        now.addAndGet(TimeUnit.MINUTES.toNanos(10));
        budget.charge("idle-then-busy", 2_000_000);
        assertThat(catchThrowableOfType(RateLimitedException.class, () -> budget.admit("idle-then-busy")))
                .isNotNull();
    }

    @Test
    void clientsWhoseBucketIsFullAgainLeaveMemory() {
        for (int i = 0; i < 1000; i++) {
            budget.charge("client-" + i, 100_000);
        }
        assertThat(budget.clients()).isEqualTo(1000);
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(1100));
        budget.admit("someone");
        assertThat(budget.clients()).isZero();
    }

    @Test
    void zeroTurnsItOff() {
        ReadBytesBudget off = new ReadBytesBudget(0, now::get);
        off.charge("heavy", Long.MAX_VALUE);
        assertThatNoException().isThrownBy(() -> off.admit("heavy"));
        assertThat(off.clients()).isZero();
    }
}
