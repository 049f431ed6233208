package com.acme.sms.worker.send.smpp;

import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.TypeOfNumber;

/**
 * One submit_sm as it goes out: addresses already in SMPP form (no '+'), the part's bytes and flags, and the
 * validity_period (relative, SMPP 3.4 7.1.1) of a message that expires, or null.
 */
record SubmitRequest(TypeOfNumber sourceTon, NumberingPlanIndicator sourceNpi, String source, TypeOfNumber destTon,
        NumberingPlanIndicator destNpi, String destination, byte esmClass, byte dataCoding, byte[] shortMessage,
        String validityPeriod) {}
