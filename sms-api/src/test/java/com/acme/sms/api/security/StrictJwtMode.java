package com.acme.sms.api.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * Jwt mode as production runs it: an audience is required, and failed authentication is throttled (with a low
 * limit and a short window, so the tests need few requests and little waiting). Addresses come from
 * X-Forwarded-For, trusted here, so that each test acts from addresses of its own.
 */
public class StrictJwtMode implements QuarkusTestProfile {

    public static final String AUDIENCE = "sms-api";
    public static final int FAILURE_LIMIT = 5;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sms.auth.mode", "jwt",
                "mp.jwt.verify.publickey.location", "jwt/public.pem",
                "mp.jwt.verify.issuer", JwtMode.ISSUER,
                "mp.jwt.verify.audiences", AUDIENCE,
                "sms.auth.allow-no-audience", "false",
                "sms.auth.failure-limit", Integer.toString(FAILURE_LIMIT),
                "sms.auth.failure-window", "4s",
                "quarkus.http.proxy.proxy-address-forwarding", "true",
                "quarkus.http.proxy.allow-x-forwarded", "true");
    }
}
