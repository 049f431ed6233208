package com.acme.sms.api.message.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A text to preview. */
public record PreviewRequest(
        @Schema(description = "Text, 1 to 1600 characters, as a message's content",
                examples = "Your code is 1234 €") String content) {}
