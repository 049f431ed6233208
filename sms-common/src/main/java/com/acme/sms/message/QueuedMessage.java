package com.acme.sms.message;

import java.util.UUID;

/**
 * A message as it travels through a stream from the API to a worker.
 *
 * @param attempt the send attempt this delivery is for, from 1 (retries re-queue the message with the next one)
 * @param expiresAtMillis when the message stops being worth sending (epoch millis), or 0 for never
 * @param credits what acceptance charged for it (one per SMS part with per-segment pricing), refunded if it fails
 */
public record QueuedMessage(UUID id, String clientId, MessageType type, String to, String from, String content,
        long queuedAtMillis, int attempt, long expiresAtMillis, int credits) {

    /** A message charged one credit. */
    public QueuedMessage(UUID id, String clientId, MessageType type, String to, String from, String content,
            long queuedAtMillis, int attempt, long expiresAtMillis) {
        this(id, clientId, type, to, from, content, queuedAtMillis, attempt, expiresAtMillis, 1);
    }

    public boolean expiredAt(long nowMillis) {
        return expiresAtMillis > 0 && nowMillis >= expiresAtMillis;
    }
}
