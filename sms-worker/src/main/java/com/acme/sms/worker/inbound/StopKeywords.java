package com.acme.sms.worker.inbound;

import java.util.List;
import java.util.Optional;

/**
 * The words that opt a number out when texted alone: Twilio's default opt-out keywords, so that people (and clients
 * moving from Twilio) get what they expect. Only the whole text counts, trimmed of whitespace (Unicode spaces
 * included): "STOP please" or a
 * reply that merely contains the word is an ordinary message, because opting someone out who did not ask is as wrong
 * as missing someone who did.
 */
public final class StopKeywords {

    /** Upper-case ASCII, as stored in {@code opt_outs.keyword}. */
    public static final List<String> ALL = List.of("STOP", "UNSUBSCRIBE", "END", "QUIT", "STOPALL", "CANCEL", "OPTOUT");

    private StopKeywords() {}

    /** The keyword the text is (upper-cased), or empty when it is none. */
    public static Optional<String> match(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String word = trim(text);
        for (String keyword : ALL) {
            if (asciiEqualsIgnoreCase(keyword, word)) {
                return Optional.of(keyword);
            }
        }
        return Optional.empty();
    }

    /**
     * Without the whitespace around it, Unicode's spaces included: a no-break space (U+00A0) a keyboard or an SMSC's
     * Latin-1 puts after the word changes nothing about what the person typed.
     */
    private static String trim(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && blank(text.charAt(from))) {
            from++;
        }
        while (to > from && blank(text.charAt(to - 1))) {
            to--;
        }
        return text.substring(from, to);
    }

    private static boolean blank(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    /**
     * Folds the case of ASCII letters only, as {@code MessageType.parse} does: {@code equalsIgnoreCase} would also take
     * {@code ſTOP} (U+017F, long s) for STOP and {@code QUİT} / {@code quıt} (dotted capital, dotless small i) for
     * QUIT, look-alikes a person did not type as the keyword.
     */
    private static boolean asciiEqualsIgnoreCase(String upper, String value) {
        if (upper.length() != value.length()) {
            return false;
        }
        for (int i = 0; i < upper.length(); i++) {
            char c = value.charAt(i);
            if (c >= 'a' && c <= 'z') {
                c = (char) (c - 'a' + 'A');
            }
            if (c != upper.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
