package com.acme.sms.api.message.rest;

import java.time.Instant;
import java.util.List;

/** A send's answer; {@code charged} is the credits the accepted messages cost, {@code balance} what is left. */
public record SendResponse(String type, int accepted, int rejected, long charged, long balance, Instant queuedAt,
        List<SendResult> results) {}
