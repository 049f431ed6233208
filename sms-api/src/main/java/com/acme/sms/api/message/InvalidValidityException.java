package com.acme.sms.api.message;

/** The validity a send asked for is outside what its type allows; nothing was done. */
public class InvalidValidityException extends RuntimeException {

    public InvalidValidityException(String detail) {
        super(detail, null, false, false);
    }
}
