package com.acme.sms.api.message;

import java.util.regex.Pattern;

/** What an Idempotency-Key may look like, for sends and top-ups alike. */
public final class IdempotencyKeys {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private IdempotencyKeys() {}

    /** @throws InvalidIdempotencyKeyException when the key is outside its alphabet or length */
    public static String requireValid(String key) {
        if (!VALID.matcher(key).matches()) {
            throw new InvalidIdempotencyKeyException();
        }
        return key;
    }
}
