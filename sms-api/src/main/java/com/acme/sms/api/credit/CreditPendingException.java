package com.acme.sms.api.credit;

/**
 * The top-up is recorded in PostgreSQL, but the live balance (Redis) did not take it in time. It is not lost and
 * is not undone: it will be added once (by a late answer of Redis, by a retry with the same Idempotency-Key, or by
 * the recovery job), so the client must not send it again under a new key.
 */
public class CreditPendingException extends RuntimeException {

    public static final long RETRY_AFTER_SECONDS = 15;

    public CreditPendingException(Throwable cause) {
        super("The credit is recorded and will be added to the live balance shortly; do not add it again under a new "
                + "Idempotency-Key (retry with the same key to see the result).", cause, false, false);
    }
}
