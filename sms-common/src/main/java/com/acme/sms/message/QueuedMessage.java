package com.acme.sms.message;

import java.util.UUID;

/**
 * A message as it travels through a stream from the API to a worker.
 *
 * @param attempt the send attempt this delivery is for, from 1 (retries re-queue the message with the next one)
 * @param expiresAtMillis when the message stops being worth sending (epoch millis), or 0 for never
 */
public record QueuedMessage(UUID id, String clientId, MessageType type, String to, String from, String content,
        long queuedAtMillis, int attempt, long expiresAtMillis) {

    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis > 0 && nowMillis >= expiresAtMillis;
    }
}
