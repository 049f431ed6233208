package com.acme.sms.message;

import java.util.Locale;
import java.util.Optional;

public enum MessageStatus {
    QUEUED,
    SENT,
    FAILED;

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
