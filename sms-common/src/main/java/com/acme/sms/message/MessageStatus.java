package com.acme.sms.message;

import java.util.Locale;
import java.util.Optional;

/**
 * Where a message is: {@code queued} (accepted, or waiting for a retry), {@code sent} (the provider took it),
 * then {@code delivered} or {@code undelivered} as its delivery receipt says; or {@code failed} (the provider never
 * took it, refunded). A message the provider took is charged whatever its receipt says.
 */
public enum MessageStatus {
    QUEUED,
    SENT,
    FAILED,
    DELIVERED,
    UNDELIVERED;

    /** Whether the provider took the message, so it is charged for good (sent, delivered or undelivered). */
    public boolean charged() {
        return this == SENT || this == DELIVERED || this == UNDELIVERED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parse ignoring the case of ASCII letters; empty when the value names no status. */
    public static Optional<MessageStatus> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (MessageStatus s : values()) {
            if (MessageType.asciiEqualsIgnoreCase(s.name(), value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
