package com.acme.sms.api.optout.rest;

import com.acme.sms.optout.OptOuts;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** One number the client must not send to. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OptOutView(
        @Schema(description = "The number, in E.164") String number,
        @Schema(description = "api (added through this API) or inbound (the number texted a stop keyword)") String source,
        @Schema(description = "With source inbound: the keyword received, such as STOP") String keyword,
        @Schema(description = "With source inbound: the sender the keyword was texted to") String sender,
        @Schema(description = "When the number opted out") Instant createdAt) {

    static OptOutView of(OptOuts.OptOut o) {
        return new OptOutView(o.number(), o.source().wireName(), o.keyword(), o.sender(), o.createdAt());
    }
}
