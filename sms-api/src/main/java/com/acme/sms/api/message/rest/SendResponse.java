package com.acme.sms.api.message.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/** A send's answer; {@code charged} is the credits the accepted messages cost, {@code balance} what is left. */
public record SendResponse(String type, int accepted, int rejected, long charged, long balance, Instant queuedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) Instant sendAt, List<SendResult> results) {}
