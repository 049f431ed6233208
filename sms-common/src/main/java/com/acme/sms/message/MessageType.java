package com.acme.sms.message;

import java.util.Locale;
import java.util.Optional;

/** The two delivery classes. Each has its own stream and its own worker processes. */
public enum MessageType {
    NORMAL,
    EXPRESS;

    /** The lower-case name used in JSON, headers, metrics tags and the database. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Case-insensitive parse; empty when the value names no type. */
    public static Optional<MessageType> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (MessageType t : values()) {
            if (t.name().equalsIgnoreCase(value)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
