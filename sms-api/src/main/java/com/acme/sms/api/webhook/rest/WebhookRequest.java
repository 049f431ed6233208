package com.acme.sms.api.webhook.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of PUT /api/webhook. */
public record WebhookRequest(
        @Schema(description = "https URL to POST status events to (public addresses only, unless configured otherwise)",
                examples = "https://example.com/sms-events") String url,
        @Schema(description = "16 to 128 printable ASCII characters; signs every request; never shown again") String secret) {}
