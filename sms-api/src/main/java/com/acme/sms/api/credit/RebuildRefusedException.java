package com.acme.sms.api.credit;

/** A rebuild could not prove that nothing moved while it computed, so it set no balance. */
public class RebuildRefusedException extends RuntimeException {

    public RebuildRefusedException(String reason) {
        super("The rebuild was refused and changed nothing: " + reason, null, false, false);
    }
}
