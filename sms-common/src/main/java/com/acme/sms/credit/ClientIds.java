package com.acme.sms.credit;

import java.util.regex.Pattern;

/**
 * What a client id may look like. Ids become parts of Redis keys and database values, so they are restricted to a
 * small, printable alphabet: no braces (hash tags), spaces, quotes or control characters.
 */
public final class ClientIds {

    public static final int MAX_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

    private ClientIds() {}

    public static boolean isValid(String clientId) {
        return clientId != null && VALID.matcher(clientId).matches();
    }
}
