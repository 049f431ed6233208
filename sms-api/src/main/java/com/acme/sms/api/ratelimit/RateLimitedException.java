package com.acme.sms.api.ratelimit;

/**
 * A per-client rate limit refused a request or its messages; nothing was charged or counted.
 *
 * @param limit which limit: {@code requests} or {@code messages}
 * @param retryAfterSeconds whole seconds until the window ends, rounded up, so a client that waits that long finds
 *     a new window
 */
public class RateLimitedException extends RuntimeException {

    private final String limit;
    private final long retryAfterSeconds;

    public RateLimitedException(String limit, long retryAfterSeconds, String detail) {
        super(detail, null, false, false);
        this.limit = limit;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public String limit() {
        return limit;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
