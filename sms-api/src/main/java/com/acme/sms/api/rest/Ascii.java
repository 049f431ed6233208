package com.acme.sms.api.rest;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Reading keywords and numbers a client sends (query parameters, headers, path segments) in ASCII only. Java's
 * lenient helpers read more than any client means: {@code equalsIgnoreCase} folds {@code ſ} (U+017F) to {@code s},
 * so {@code ſent} would read as {@code sent}, and {@code Integer.parseInt} takes any Unicode digit and a sign, so
 * {@code ١} (U+0661) would read as 1. Values are checked against a plain ASCII alphabet before anything parses them.
 */
public final class Ascii {

    private static final Pattern UUID_TEXT = Pattern
            .compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private Ascii() {}

    /** A UUID in its 36-character form, ASCII hex only ({@code UUID.fromString} reads other digits); empty else. */
    public static Optional<UUID> uuid(String value) {
        return value != null && UUID_TEXT.matcher(value).matches() ? Optional.of(UUID.fromString(value))
                : Optional.empty();
    }

    /** A message type by name, ASCII letters in any case; empty for anything else. */
    public static Optional<MessageType> type(String value) {
        return isLetters(value) ? MessageType.parse(value) : Optional.empty();
    }

    /** A message status by name, ASCII letters in any case; empty for anything else. */
    public static Optional<MessageStatus> status(String value) {
        return isLetters(value) ? MessageStatus.parse(value) : Optional.empty();
    }

    /** A non-negative whole number of 1 to {@code maxDigits} ASCII digits (no sign); empty for anything else. */
    public static OptionalLong number(String value, int maxDigits) {
        if (value == null || value.isEmpty() || value.length() > maxDigits || maxDigits > 18) {
            return OptionalLong.empty();
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
            n = n * 10 + (c - '0');
        }
        return OptionalLong.of(n);
    }

    /** {@code true} or {@code false} in ASCII letters of any case; empty for anything else ({@code 1}, {@code yes}). */
    public static Optional<Boolean> flag(String value) {
        if (!isLetters(value)) {
            return Optional.empty();
        }
        if ("true".equalsIgnoreCase(value)) {
            return Optional.of(Boolean.TRUE);
        }
        return "false".equalsIgnoreCase(value) ? Optional.of(Boolean.FALSE) : Optional.empty();
    }

    /** Whether the value is 1 or more ASCII letters (so a case-insensitive comparison cannot fold anything else). */
    public static boolean isLetters(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }
}
