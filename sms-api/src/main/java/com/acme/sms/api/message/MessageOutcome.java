package com.acme.sms.api.message;

import java.util.UUID;

/**
 * What became of one message of a send request.
 *
 * @param index position in the request, from 0
 * @param id the id of a queued message; null when it was rejected
 * @param reason why it was rejected (see {@link MessageRules}, or {@link SendService#INSUFFICIENT_CREDIT})
 * @param credits what a queued message was charged; 0 when it was rejected
 */
public record MessageOutcome(int index, UUID id, String reason, String detail, int credits) {

    public static MessageOutcome queued(int index, UUID id, int credits) {
        return new MessageOutcome(index, id, null, null, credits);
    }

    public static MessageOutcome rejected(int index, String reason, String detail) {
        return new MessageOutcome(index, null, reason, detail, 0);
    }

    public boolean isQueued() {
        return id != null;
    }
}
