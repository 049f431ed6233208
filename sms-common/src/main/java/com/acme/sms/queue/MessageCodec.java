package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import java.util.Map;
import java.util.UUID;

/**
 * Field layout of a stream entry. The accept script writes these fields (lua/accept.lua), the worker reads them
 * here. Short field names keep each queued message small in Redis: streams store field names once per listpack
 * node when entries share them, but values are per entry.
 */
public final class MessageCodec {

    public static final String ID = "id";
    public static final String CLIENT = "c";
    public static final String TO = "to";
    public static final String FROM = "f";
    public static final String BODY = "b";
    /** Acceptance time in epoch millis, set by Redis' own clock inside the accept script. */
    public static final String QUEUED_AT = "q";
    /** Send attempt, absent on the first one. */
    public static final String ATTEMPT = "a";
    /** Validity end in epoch millis, absent when the message does not expire. */
    public static final String EXPIRES_AT = "x";
    /**
     * Credits charged at acceptance, absent when one (so entries queued before per-segment pricing, and every
     * single-part message, cost what they always did).
     */
    public static final String CREDITS = "u";

    private MessageCodec() {}

    /**
     * Decodes an entry of the given type's stream.
     *
     * @throws MalformedEntryException when a field is missing or unreadable; such an entry is dead-lettered
     */
    public static QueuedMessage decode(MessageType type, Map<String, String> fields) {
        try {
            UUID id = UUID.fromString(required(fields, ID));
            long queuedAt = Long.parseLong(required(fields, QUEUED_AT));
            String attempt = fields.get(ATTEMPT);
            String expiresAt = fields.get(EXPIRES_AT);
            String credits = fields.get(CREDITS);
            int charged = credits == null ? 1 : Integer.parseInt(credits);
            if (charged < 1) {
                throw new MalformedEntryException("field '" + CREDITS + "' is not a positive number of credits");
            }
            return new QueuedMessage(
                    id,
                    required(fields, CLIENT),
                    type,
                    required(fields, TO),
                    required(fields, FROM),
                    required(fields, BODY),
                    queuedAt,
                    attempt == null ? 1 : Integer.parseInt(attempt),
                    expiresAt == null ? 0 : Long.parseLong(expiresAt),
                    charged);
        } catch (IllegalArgumentException e) {
            throw new MalformedEntryException(e.getMessage());
        }
    }

    /** The fields of a message's next attempt: its entry's fields with the attempt number replaced. */
    public static Map<String, String> nextAttempt(Map<String, String> fields, int nextAttempt) {
        Map<String, String> next = new java.util.TreeMap<>(fields);
        next.put(ATTEMPT, Integer.toString(nextAttempt));
        return next;
    }

    private static String required(Map<String, String> fields, String name) {
        String value = fields.get(name);
        if (value == null) {
            throw new MalformedEntryException("field '" + name + "' is missing");
        }
        return value;
    }

    public static final class MalformedEntryException extends RuntimeException {
        public MalformedEntryException(String message) {
            super(message);
        }
    }
}
