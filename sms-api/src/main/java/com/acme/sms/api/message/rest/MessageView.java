package com.acme.sms.api.message.rest;

import com.acme.sms.api.message.SentMessage;
import java.time.Instant;
import java.util.UUID;

/** A message as the sent-log and the message endpoint show it. */
public record MessageView(UUID id, String type, String to, String from, String content, String status, Instant queuedAt,
        Instant updatedAt, String errorMessage, int attempts) {

    public static MessageView of(SentMessage m) {
        return new MessageView(m.id(), m.type(), m.to(), m.from(), m.content(), m.status(), m.queuedAt(), m.updatedAt(),
                m.errorMessage(), m.attempts());
    }
}
