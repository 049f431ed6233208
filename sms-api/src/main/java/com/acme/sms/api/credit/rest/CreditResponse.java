package com.acme.sms.api.credit.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreditResponse(
        String clientId,
        String name,
        @Schema(description = "Live balance: credit added, minus messages sent and still queued") long balance,
        @Schema(description = "Credits added by this request (absent on reads)") Long added) {}
