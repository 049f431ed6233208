package com.acme.sms.smsc;

import java.time.Instant;

/**
 * One submit_sm the simulator accepted (one part of a message), as it arrived.
 *
 * @param messageId the id given in the submit_sm_resp
 * @param text the part's text, decoded per data_coding, without the UDH
 * @param validityPeriod the submit_sm's validity_period as sent (empty or null: the SMSC's default)
 */
public record Submitted(String messageId, String source, String destination, byte dataCoding, byte esmClass,
        byte registeredDelivery, byte[] shortMessage, String text, Instant at, String validityPeriod) {

    public boolean hasUdh() {
        return (esmClass & 0x40) != 0;
    }
}
