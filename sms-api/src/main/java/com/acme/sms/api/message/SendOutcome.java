package com.acme.sms.api.message;

import com.acme.sms.message.MessageType;
import java.time.Instant;
import java.util.List;

/**
 * What a send request did.
 *
 * @param accepted messages charged and queued
 * @param rejectedForCredit valid messages the balance did not cover
 * @param rejectedOptedOut valid messages to numbers the client opted out
 * @param charged credits charged for the accepted messages (one per SMS part with per-segment pricing)
 * @param balance the live balance afterwards; null when Redis was not asked (nothing was valid)
 * @param results one per input message, in request order
 * @param replayed whether this is the stored answer to an earlier request with the same Idempotency-Key
 * @param sendAt when the accepted messages are sent, for a scheduled send; null when they were queued at once
 */
public record SendOutcome(MessageType type, int accepted, int rejectedForCredit, int rejectedInvalid,
        int rejectedOptedOut, long charged, Long balance, long queuedAtMillis, List<MessageOutcome> results, boolean replayed,
        Instant sendAt) {

    public int rejected() {
        return rejectedForCredit + rejectedInvalid + rejectedOptedOut;
    }
}
