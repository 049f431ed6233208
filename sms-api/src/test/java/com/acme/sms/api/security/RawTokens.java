package com.acme.sms.api.security;

import io.smallrye.jwt.util.KeyUtils;
import java.security.PrivateKey;
import java.time.Instant;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.lang.JoseException;

/**
 * Tokens signed with the trusted test key whose payload is written as raw JSON, for claims of shapes and values
 * the builder of {@link Tokens} would correct or always add ({@code iat}).
 */
final class RawTokens {

    private static final PrivateKey KEY = load();

    private RawTokens() {}

    /** A signed token of the test issuer with these extra claims (JSON members without braces). */
    static String signed(String subject, String claims) {
        long now = Instant.now().getEpochSecond();
        return sign("{\"iss\":\"" + JwtMode.ISSUER + "\",\"sub\":\"" + subject + "\",\"iat\":" + now + ",\"exp\":"
                + (now + 3600) + "," + claims + "}");
    }

    /** A signed token of exactly this payload. */
    static String sign(String payload) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(payload);
        jws.setKey(KEY);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader("typ", "JWT");
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    private static PrivateKey load() {
        try {
            return KeyUtils.readPrivateKey("jwt/private.pem");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the test signing key", e);
        }
    }
}
