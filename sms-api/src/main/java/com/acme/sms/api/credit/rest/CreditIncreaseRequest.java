package com.acme.sms.api.credit.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The specification's body (docs/specification.md): {@code balance} is the amount to ADD, {@code name} (optional) renames the client. */
public record CreditIncreaseRequest(
        @Schema(description = "Client's display name; kept when omitted", maxLength = 200, examples = "Mojtaba") String name,
        @Schema(description = "Credits to add (one credit sends one message)", required = true, minimum = "1",
                examples = "50") Long balance) {}
