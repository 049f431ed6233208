package com.acme.sms.message;

import java.util.UUID;

/** A message as it travels through a stream from the API to a worker. */
public record QueuedMessage(
        UUID id, String clientId, MessageType type, String to, String from, String content, long queuedAtMillis) {}
