package com.acme.sms.api.message.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The outcome of one input message, in request order. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SendResult(
        @Schema(description = "Position of the message in the request, from 0") int index,
        @Schema(description = "queued (accepted and charged) or rejected") String status,
        @Schema(description = "Id of an accepted message") UUID id,
        @Schema(description = "Why a message was rejected: insufficient_credit, invalid_to, invalid_from, invalid_content or invalid_message")
                String reason,
        @Schema(description = "Human-readable explanation of a rejection") String detail) {

    public static SendResult queued(int index, UUID id) {
        return new SendResult(index, "queued", id, null, null);
    }

    public static SendResult rejected(int index, String reason, String detail) {
        return new SendResult(index, "rejected", null, reason, detail);
    }
}
