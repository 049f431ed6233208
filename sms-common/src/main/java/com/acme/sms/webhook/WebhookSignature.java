package com.acme.sms.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a webhook request, as Stripe signs its events: {@code v1=} and the hex HMAC-SHA256, keyed with
 * the client's secret, of {@code "<timestamp>.<raw body>"}. The timestamp is inside the signed text, so a receiver
 * that also refuses old timestamps refuses replayed requests.
 */
public final class WebhookSignature {

    public static final String ID_HEADER = "X-SMS-Webhook-Id";
    public static final String TIMESTAMP_HEADER = "X-SMS-Timestamp";
    public static final String SIGNATURE_HEADER = "X-SMS-Signature";
    /** The shortest and longest secret a client may set. */
    public static final int MIN_SECRET = 16;
    public static final int MAX_SECRET = 128;

    private WebhookSignature() {
    }

    /** The X-SMS-Signature value for this body sent at this time (Unix seconds). */
    public static String sign(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
