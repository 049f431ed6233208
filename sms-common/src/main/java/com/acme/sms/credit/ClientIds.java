package com.acme.sms.credit;

import java.util.regex.Pattern;

/**
 * What a client id may look like. Ids become parts of Redis keys and database values, so they are restricted to a
 * small, printable alphabet: no braces (hash tags), spaces, quotes or control characters.
 *
 * <p>Ids are lower case. They are compared as exact strings, so {@code acme}, {@code ACME} and {@code Acme} would
 * be three accounts and a typo in the case would open a new one; refusing upper case, rather than folding it,
 * keeps every id meaning one account and never turns an existing id into another.
 */
public final class ClientIds {

    public static final int MAX_LENGTH = 64;
    /** The rule in words, for error details. */
    public static final String RULE = "1 to " + MAX_LENGTH
            + " characters of lower-case letters, digits, '.', '_', '@' or '-', starting with a letter or digit";
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9._@-]{0,63}");

    private ClientIds() {}

    public static boolean isValid(String clientId) {
        return clientId != null && VALID.matcher(clientId).matches();
    }
}
