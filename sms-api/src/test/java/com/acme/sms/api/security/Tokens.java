package com.acme.sms.api.security;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Base64;

/** Tokens for tests of jwt mode, good and bad, signed with the test key pair in src/test/resources/jwt. */
public final class Tokens {

    private static final PrivateKey KEY = load();
    private static final PrivateKey OTHER_KEY = generate();

    private Tokens() {}

    public static String client(String clientId) {
        return Jwt.issuer(JwtMode.ISSUER).subject(clientId).groups("client").expiresIn(3600).sign(KEY);
    }

    public static String admin(String name) {
        return Jwt.issuer(JwtMode.ISSUER).subject(name).groups("admin").expiresIn(3600).sign(KEY);
    }

    public static String expired(String clientId) {
        // Well past the verifier's clock skew allowance.
        Instant now = Instant.now();
        return Jwt.issuer(JwtMode.ISSUER).subject(clientId).groups("admin")
                .issuedAt(now.minusSeconds(7200)).expiresAt(now.minusSeconds(3600)).sign(KEY);
    }

    public static String wrongIssuer(String clientId) {
        return Jwt.issuer("https://evil.example").subject(clientId).groups("admin").expiresIn(3600).sign(KEY);
    }

    /** Signed, but with a key the API does not trust. */
    public static String wronglySigned(String clientId) {
        return Jwt.issuer(JwtMode.ISSUER).subject(clientId).groups("admin").expiresIn(3600).sign(OTHER_KEY);
    }

    /** {@code alg: none}: claims without a signature. */
    public static String unsigned(String clientId) {
        long now = Instant.now().getEpochSecond();
        return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64("{\"iss\":\"" + JwtMode.ISSUER + "\",\"sub\":\""
                + clientId + "\",\"groups\":[\"admin\"],\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}") + ".";
    }

    /** A valid token of one client whose payload was changed to name another (and the admin role). */
    public static String tampered(String signedFor, String claimed) {
        String[] parts = client(signedFor).split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"sub\":\"" + signedFor + "\"", "\"sub\":\"" + claimed + "\"")
                .replace("\"client\"", "\"admin\"");
        return parts[0] + "." + b64(payload) + "." + parts[2];
    }

    /** A valid token whose subject is not a client id. */
    public static String badSubject() {
        return Jwt.issuer(JwtMode.ISSUER).subject("{acme} ; DROP").groups("client").expiresIn(3600).sign(KEY);
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static PrivateKey load() {
        try {
            return KeyUtils.readPrivateKey("jwt/private.pem");
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the test signing key", e);
        }
    }

    private static PrivateKey generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair().getPrivate();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
