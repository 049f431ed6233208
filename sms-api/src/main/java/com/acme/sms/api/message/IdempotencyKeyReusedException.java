package com.acme.sms.api.message;

/** An Idempotency-Key came again with a different request; nothing was done. */
public class IdempotencyKeyReusedException extends RuntimeException {

    public IdempotencyKeyReusedException() {
        super("This Idempotency-Key was used for a different request in the last 24 hours; use a new key.", null, false,
                false);
    }
}
