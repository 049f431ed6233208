package com.acme.sms.credit;

import java.util.UUID;

/**
 * Redis keys of a client's credit. The client id sits in a hash tag ({@code {...}}) so that a client's balance and
 * refund markers share one Redis Cluster slot, as a multi-key script requires; client ids never contain braces
 * (see {@link ClientIds}).
 */
public final class CreditKeys {

    private CreditKeys() {}

    public static String balance(String clientId) {
        return "sms:credit:{" + clientId + "}";
    }

    /** The record of a bulk request sent with an Idempotency-Key (the key is validated to a safe alphabet). */
    public static String idempotency(String clientId, String idempotencyKey) {
        return "sms:idem:{" + clientId + "}:" + idempotencyKey;
    }

    public static String refundMarker(String clientId, UUID messageId) {
        return "sms:refund:{" + clientId + "}:" + messageId;
    }
}
