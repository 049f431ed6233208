package com.acme.sms.api.message.rest;

import com.acme.sms.message.Message;
import java.time.Instant;
import java.util.UUID;

/** A message as the sent-log and the message endpoint show it. */
public record MessageView(UUID id, String type, String to, String from, String content, String status, Instant queuedAt,
        Instant updatedAt, String errorMessage, int attempts) {

    public static MessageView of(Message m) {
        return new MessageView(m.id, m.type, m.toNumber, m.fromNumber, m.content, m.status, m.queuedAt.toInstant(),
                m.updatedAt.toInstant(), m.errorMessage, m.attempts);
    }
}
