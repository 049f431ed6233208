package com.acme.sms.api.message;

/**
 * Checks for free text that ends up in PostgreSQL and in SMS. PostgreSQL refuses NUL characters and invalid
 * UTF-16 (lone surrogates) in text columns; a message carrying either would be accepted and charged, then fail in
 * every worker forever, so both are refused at the door, as are the other control characters: C0, DEL and C1
 * (U+0080 to U+009F, which include U+009B, a terminal's CSI, so text shown in a terminal could drive it).
 *
 * <p>Names are held to more: bidirectional overrides and isolates (U+202A to U+202E, U+2066 to U+2069) reorder how
 * the text around them is shown, so a name could read as another client's. Message content keeps them, since
 * right-to-left writing uses them to embed left-to-right words and numbers; what a message shows is its sender's
 * to answer for, and the {@code from} it comes with is ASCII only.
 */
public final class TextRules {

    private TextRules() {}

    /** Returns why the text breaks the rules, or null when it is fine. Length counts characters (code points). */
    public static String checkText(String text, int minLength, int maxLength) {
        return check(text, minLength, maxLength, false);
    }

    /** As {@link #checkText}, and without bidirectional overrides or isolates: for names shown to others. */
    public static String checkName(String text, int minLength, int maxLength) {
        return check(text, minLength, maxLength, true);
    }

    private static String check(String text, int minLength, int maxLength, boolean name) {
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
            } else if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c >= 0x7F && c <= 0x9F) {
                return "it contains a control character (U+" + String.format("%04X", (int) c) + ")";
            } else if (name && isBidiOverrideOrIsolate(c)) {
                return "it contains a bidirectional override or isolate (U+" + String.format("%04X", (int) c) + ")";
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

    /** LRE, RLE, PDF, LRO, RLO and LRI, RLI, FSI, PDI; the marks (LRM, RLM, ALM) reorder nothing but neutrals. */
    private static boolean isBidiOverrideOrIsolate(char c) {
        return c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069;
    }
}
