package com.acme.sms.api.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The test profile of jwt mode: the API trusts the test key pair in src/test/resources/jwt and the issuer that
 * bin/token uses. Every test class with this profile shares one Quarkus start (a distinct profile restarts it).
 */
public class JwtMode implements QuarkusTestProfile {

    public static final String ISSUER = "sms-local";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sms.auth.mode", "jwt",
                "mp.jwt.verify.publickey.location", "jwt/public.pem",
                "mp.jwt.verify.issuer", ISSUER);
    }
}
