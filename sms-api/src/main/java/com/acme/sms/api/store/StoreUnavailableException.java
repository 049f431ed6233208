package com.acme.sms.api.store;

/**
 * Redis or PostgreSQL did not answer within {@code sms.api.store-timeout}, or answered that it cannot serve now
 * (loading its data, a statement cancelled for taking too long). The request changed nothing; the client may retry
 * shortly.
 */
public class StoreUnavailableException extends RuntimeException {

    private final String store;

    public StoreUnavailableException(String store, String detail, Throwable cause) {
        super(detail, cause, false, false);
        this.store = store;
    }

    /** {@code redis} or {@code postgresql}. */
    public String store() {
        return store;
    }
}
