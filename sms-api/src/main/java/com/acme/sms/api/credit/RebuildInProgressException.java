package com.acme.sms.api.credit;

/** Refused while a rebuild of the live balances runs, so that nothing moves credit under it; nothing was done. */
public class RebuildInProgressException extends RuntimeException {

    /** Rebuilds wait at most about half a minute for the queues to drain; a retry after this is likely to pass. */
    public static final long RETRY_AFTER_SECONDS = 5;

    public RebuildInProgressException() {
        super("A rebuild of the live balances is running; nothing was done. Try again in a few seconds.", null, false,
                false);
    }
}
