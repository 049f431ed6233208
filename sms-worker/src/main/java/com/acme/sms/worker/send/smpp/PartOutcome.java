package com.acme.sms.worker.send.smpp;

/**
 * What became of one submit_sm: taken (with the SMSC's id) or not, and if not, whether trying again may help.
 *
 * @param errorCode the SMPP command status as {@code 0x0000000B}, or null when the SMSC gave none (timeout, no session)
 */
record PartOutcome(String messageId, String error, boolean transientFailure, String errorCode) {

    static PartOutcome taken(String messageId) {
        return new PartOutcome(messageId, null, false, null);
    }

    static PartOutcome failed(String error, boolean transientFailure, String errorCode) {
        return new PartOutcome(null, error, transientFailure, errorCode);
    }

    boolean ok() {
        return error == null;
    }
}
