package com.acme.sms.api.message.rest;

import java.time.Instant;
import java.util.List;

public record SendResponse(String type, int accepted, int rejected, long balance, Instant queuedAt, List<SendResult> results) {}
