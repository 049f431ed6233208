package com.acme.sms.api.message.rest;

import com.acme.sms.api.message.ScheduledMessages;
import com.acme.sms.api.message.SentMessage;
import com.acme.sms.text.SmsText;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.UUID;

/**
 * A message as the sent-log and the message endpoint show it: {@code segments} is how many SMS parts it takes,
 * {@code providerMessageId} the carrier's id (of its first part), {@code sentAt} when the carrier took it, {@code deliveredAt} the done date of the receipt
 * that made it delivered or undelivered, {@code errorCode} the carrier's code for a refusal or an undelivered
 * receipt, {@code credits} what it was charged at acceptance (refunded if it failed).
 */
public record MessageView(UUID id, String type, String to, String from, String content, String status, Instant queuedAt,
        Instant updatedAt, String errorMessage, int attempts, int segments, String providerMessageId, Instant sentAt,
        Instant deliveredAt, String errorCode, int credits, @JsonInclude(JsonInclude.Include.NON_NULL) Instant sendAt) {

    public static MessageView of(SentMessage m) {
        return new MessageView(m.id(), m.type(), m.to(), m.from(), m.content(), m.status(), m.queuedAt(), m.updatedAt(),
                m.errorMessage(), m.attempts(), m.segments(), m.providerMessageId(), m.sentAt(), m.deliveredAt(),
                m.errorCode(), m.credits(), null);
    }

    /** A message waiting for its time to send: charged, in no queue yet, no row yet. */
    public static MessageView scheduled(ScheduledMessages.Scheduled m) {
        return new MessageView(m.id(), m.type().wireName(), m.to(), m.from(), m.content(), "scheduled", m.acceptedAt(),
                m.acceptedAt(), null, 0, SmsText.segments(m.content()), null, null, null, null, m.credits(), m.sendAt());
    }
}
