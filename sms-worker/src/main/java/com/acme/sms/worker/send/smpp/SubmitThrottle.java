package com.acme.sms.worker.send.smpp;

import java.time.Duration;

/**
 * The pace of one session's submit_sm: at most {@code throughput} a second (evenly spaced, as carriers count per
 * second), and a pause after each ESME_RTHROTTLED / ESME_RMSGQFUL that grows while the SMSC keeps refusing and
 * shrinks with each accepted submit.
 */
final class SubmitThrottle {

    private static final long INITIAL_PAUSE = Duration.ofMillis(50).toNanos();
    private static final long MAX_PAUSE = Duration.ofSeconds(2).toNanos();

    private final long interval;
    private long nextSlot = System.nanoTime();
    private long pausedUntil;
    private long pause;

    SubmitThrottle(int throughput) {
        this.interval = throughput > 0 ? 1_000_000_000L / throughput : 0;
    }

    /**
     * Waits for this submit's turn; false (at once, without waiting) when the turn comes after {@code deadlineNanos},
     * so the caller can answer in time instead.
     */
    boolean acquire(long deadlineNanos) throws InterruptedException {
        long wait;
        synchronized (this) {
            long now = System.nanoTime();
            long slot = Math.max(now, nextSlot);
            if (pause > 0 && pausedUntil - slot > 0) {
                slot = pausedUntil;
            }
            if (slot - deadlineNanos > 0) {
                return false;
            }
            nextSlot = slot + interval;
            wait = slot - now;
        }
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        return true;
    }

    /** The SMSC said too fast: everyone on this session waits a little longer each time. */
    synchronized void throttled() {
        pause = pause == 0 ? INITIAL_PAUSE : Math.min(MAX_PAUSE, pause * 2);
        pausedUntil = System.nanoTime() + pause;
    }

    synchronized void accepted() {
        pause = pause / 2 < INITIAL_PAUSE ? 0 : pause / 2;
    }

    synchronized Duration currentPause() {
        return Duration.ofNanos(pause);
    }
}
