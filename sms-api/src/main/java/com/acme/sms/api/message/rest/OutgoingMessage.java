package com.acme.sms.api.message.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

public record OutgoingMessage(
        @Schema(description = "Recipient, E.164: '+' and 8 to 15 digits", examples = "+4917012345") String to,
        @Schema(description = "Sender: up to 11 letters/digits, or an E.164 number", examples = "App") String from,
        @Schema(description = "Text, 1 to 1600 characters", examples = "Your OTP code is 1234") String content) {}
