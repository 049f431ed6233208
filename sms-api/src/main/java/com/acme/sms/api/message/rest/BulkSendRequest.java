package com.acme.sms.api.message.rest;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

public record BulkSendRequest(
        @Schema(description = "1 to 1000 messages") List<OutgoingMessage> messages,
        @Schema(description = "Seconds after acceptance when a message not yet sent is failed as expired and refunded. "
                + "Express: default and maximum 300; normal: optional, up to 604800.") Integer validitySeconds,
        @Schema(description = "When to send, ISO-8601 with an offset (2026-12-24T09:00:00Z), 1 minute to 35 days ahead; "
                + "charged now, queued then; cancel with POST /api/messages/{id}/cancel") String sendAt) {}
