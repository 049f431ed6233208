package com.acme.sms.api.credit;

/** A top-up would raise the balance beyond its maximum; nothing was added. */
public class BalanceLimitException extends RuntimeException {

    public BalanceLimitException(long maxBalance) {
        super("The balance may not exceed " + maxBalance + " credits; nothing was added.", null, false, false);
    }
}
