package com.acme.sms.api.message;

/**
 * One message of a send request, as the client wrote it and before it is validated. The component names and order
 * are those of the request body's messages, so that its JSON (the Idempotency-Key's request hash) stays the same.
 */
public record MessageDraft(String to, String from, String content) {}
