package com.acme.sms.worker.delivery;

/** What happens to one message of a batch, decided before anything is sent (see {@link DeliveryDecision#triage}). */
public enum Verdict {
    /** Not finished before, still valid: send it now. */
    SEND,
    /** PostgreSQL already holds its final status: only the refund (if it failed) and the acknowledgement remain. */
    ALREADY_FINAL,
    /** This attempt was recorded as waiting for a retry, but the retry may not be scheduled yet: schedule it again. */
    RETRY_AGAIN,
    /**
     * Handed to the provider by an earlier delivery that recorded no outcome (it crashed, stalled, or timed out
     * waiting for the answer): presumed sent, recorded as sent, charged, never sent again.
     */
    HANDED_BEFORE,
    /** Delivered more often than allowed without being finished: failed, refunded and dead-lettered. */
    POISON,
    /** Its validity ran out before it could be sent: failed as expired and refunded. */
    EXPIRED
}
