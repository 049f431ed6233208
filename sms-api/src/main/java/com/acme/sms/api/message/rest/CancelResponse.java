package com.acme.sms.api.message.rest;

import java.util.UUID;

/** A scheduled message taken off the schedule: {@code refunded} credits are back, {@code balance} is the result. */
public record CancelResponse(UUID id, String status, long refunded, long balance) {}
