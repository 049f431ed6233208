package com.acme.sms.worker.inbound;

import org.jsmpp.bean.DeliverSm;
import org.jsmpp.extra.ProcessRequestException;

/** Where the SMPP sessions hand a mobile-originated deliver_sm (one that is not a delivery receipt). */
@FunctionalInterface
public interface MobileOriginatedSink {

    /**
     * Takes the message; returns to acknowledge it, or throws to have the deliver_sm_resp carry the exception's
     * status (so the SMSC sends it again).
     */
    void accept(DeliverSm deliverSm) throws ProcessRequestException;
}
