package com.acme.sms.api.credit;

/** The live balance (Redis) could not be raised; the top-up was undone, so nothing was added. */
public class CreditUnavailableException extends RuntimeException {

    public CreditUnavailableException(Throwable cause) {
        super("Credit could not be added right now; nothing was added. Try again.", cause, false, false);
    }
}
