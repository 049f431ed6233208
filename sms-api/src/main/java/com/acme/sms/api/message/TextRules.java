package com.acme.sms.api.message;

/**
 * Checks for free text that ends up in PostgreSQL and in SMS. PostgreSQL refuses NUL characters and invalid
 * UTF-16 (lone surrogates) in text columns; a message carrying either would be accepted and charged, then fail in
 * every worker forever, so both are refused at the door, as are other control characters.
 */
public final class TextRules {

    private TextRules() {}

    /** Returns why the text breaks the rules, or null when it is fine. Length counts characters (code points). */
    public static String checkText(String text, int minLength, int maxLength) {
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return "it contains an invalid character (unpaired surrogate)";
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return "it contains an invalid character (unpaired surrogate)";
            } else if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7F) {
                return "it contains a control character (U+" + String.format("%04X", (int) c) + ")";
            }
            length++;
        }
        if (length < minLength) {
            return minLength == 1 ? "it is empty" : "it is shorter than " + minLength + " characters";
        }
        if (length > maxLength) {
            return "it is longer than " + maxLength + " characters";
        }
        return null;
    }
}
