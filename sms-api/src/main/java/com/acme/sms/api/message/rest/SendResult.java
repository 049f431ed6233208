package com.acme.sms.api.message.rest;

import com.acme.sms.api.message.MessageOutcome;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The outcome of one input message, in request order. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SendResult(
        @Schema(description = "Position of the message in the request, from 0") int index,
        @Schema(description = "queued (accepted and charged), scheduled (charged, sent at send_at) or rejected") String status,
        @Schema(description = "Id of an accepted message") UUID id,
        @Schema(description = "Credits an accepted message was charged: one per SMS part (sms.billing.per-segment), else one") Integer credits,
        @Schema(description = "Why a message was rejected: insufficient_credit, opted_out, invalid_to, invalid_number, invalid_from, invalid_content or invalid_message") String reason,
        @Schema(description = "Human-readable explanation of a rejection") String detail) {

    public static SendResult of(MessageOutcome m, boolean scheduled) {
        return m.isQueued()
                ? new SendResult(m.index(), scheduled ? "scheduled" : "queued", m.id(), m.credits(), null, null)
                : new SendResult(m.index(), "rejected", null, null, m.reason(), m.detail());
    }
}
