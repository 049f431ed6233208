package com.acme.sms.api.webhook.rest;

import com.acme.sms.api.webhook.WebhookService;
import java.time.Instant;

/** An event the workers gave up delivering: the event as the receiver would have got it, and why it did not. */
public record WebhookFailureView(String id, String eventId, String messageId, String status, String type, String to,
        int segments, String errorCode, String errorMessage, Instant occurredAt, int sequence, int attempts,
        String lastError, Instant failedAt) {

    static WebhookFailureView of(WebhookService.Failure f) {
        String id = f.eventId().toString();
        return new WebhookFailureView(id, id, f.messageId().toString(), f.status(), f.type(), f.to(), f.segments(),
                f.errorCode(), f.errorMessage(), f.occurredAt(), f.sequence(), f.attempts(), f.lastError(), f.failedAt());
    }
}
