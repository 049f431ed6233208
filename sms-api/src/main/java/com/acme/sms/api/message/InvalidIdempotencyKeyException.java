package com.acme.sms.api.message;

/** An Idempotency-Key outside its alphabet or length; nothing was done. */
public class InvalidIdempotencyKeyException extends RuntimeException {

    public InvalidIdempotencyKeyException() {
        super("The Idempotency-Key header must be 1 to 128 of the characters A-Z a-z 0-9 . _ : -", null, false, false);
    }
}
