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

    /** Parse ignoring the case of ASCII letters; empty when the value names no type. */
    public static Optional<MessageType> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (MessageType t : values()) {
            if (asciiEqualsIgnoreCase(t.name(), value)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Case folding of ASCII letters only. {@code equalsIgnoreCase} folds more: {@code ſ} (U+017F) to {@code s} and the
     * Kelvin sign (U+212A) to {@code k}, so {@code expreſs} would name a type no client meant.
     */
    static boolean asciiEqualsIgnoreCase(String name, String value) {
        if (name.length() != value.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char a = name.charAt(i);
            char b = value.charAt(i);
            if (b >= 'a' && b <= 'z') {
                b = (char) (b - 'a' + 'A');
            }
            if (a != b) {
                return false;
            }
        }
        return true;
    }
}
