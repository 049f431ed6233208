package com.acme.sms.api.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Header mode with failed authentication throttled (low limit, short window), addresses from X-Forwarded-For. */
public class ThrottledHeaderMode implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "sms.auth.failure-limit", Integer.toString(StrictJwtMode.FAILURE_LIMIT),
                "sms.auth.failure-window", "4s",
                "quarkus.http.proxy.proxy-address-forwarding", "true",
                "quarkus.http.proxy.allow-x-forwarded", "true");
    }
}
