package com.acme.sms.api.message;

import java.time.Instant;
import java.util.UUID;

/** A message as the sent-log reads it. */
public record SentMessage(UUID id, String type, String to, String from, String content, String status,
        Instant queuedAt, Instant updatedAt, String errorMessage, int attempts, int segments, String providerMessageId,
        Instant sentAt, Instant deliveredAt, String errorCode, int credits) {
}
