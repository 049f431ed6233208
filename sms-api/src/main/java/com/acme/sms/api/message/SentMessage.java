package com.acme.sms.api.message;

import com.acme.sms.message.Message;
import java.time.Instant;
import java.util.UUID;

/** A message as the sent-log reads it. */
public record SentMessage(UUID id, String type, String to, String from, String content, String status,
        Instant queuedAt, Instant updatedAt, String errorMessage, int attempts, int segments, String providerMessageId,
        Instant sentAt, Instant deliveredAt, String errorCode) {

    public static SentMessage of(Message m) {
        return new SentMessage(m.id, m.type, m.toNumber, m.fromNumber, m.content, m.outcome != null ? m.outcome : m.status,
                m.queuedAt.toInstant(),
                m.updatedAt.toInstant(), m.errorMessage, m.attempts, m.segments, m.providerMessageId,
                m.sentAt == null ? null : m.sentAt.toInstant(), m.deliveredAt == null ? null : m.deliveredAt.toInstant(),
                m.errorCode);
    }
}
