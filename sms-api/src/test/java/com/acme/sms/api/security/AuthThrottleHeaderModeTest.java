package com.acme.sms.api.security;

import static com.acme.sms.api.security.AuthThrottleJwtModeTest.address;
import static com.acme.sms.api.security.AuthThrottleJwtModeTest.from;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.StoreFaults;
import com.acme.sms.api.Stores;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Header mode: wrong admin keys are throttled per source address and in all; the right key is never locked out. */
@QuarkusTest
@TestProfile(ThrottledHeaderMode.class)
class AuthThrottleHeaderModeTest {

    static final int LIMIT = StrictJwtMode.FAILURE_LIMIT;
    static final String KEY = "test-admin-key";

    @Inject
    Stores stores;

    @BeforeEach
    void forgetEarlierFailures() {
        // Every wrong admin key counts against the one admin key, whichever test sent it.
        stores.redis().key().del(RedisKeys.authFailuresByCaller(CallerFilter.ADMIN_KEY_CALLER));
    }

    @Test
    void anAddressGuessingTheAdminKeyIsBlockedEvenForTheRightKey() {
        String attacker = address();
        for (int i = 0; i < LIMIT; i++) {
            from(attacker).header("X-Admin-Key", "guess-" + i).when().get("/api/admin/reconciliation")
                    .then().statusCode(403).body("code", equalTo("not-admin"));
        }
        from(attacker).header("X-Admin-Key", "guess-x").when().get("/api/admin/reconciliation")
                .then().statusCode(429).contentType("application/problem+json").body("code", equalTo("rate-limited"))
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-4]"));
        from(attacker).header("X-Admin-Key", KEY).when().get("/api/admin/reconciliation").then().statusCode(429);
        // the operator and clients elsewhere are not affected
        from(address()).header("X-Admin-Key", KEY).when().get("/api/admin/reconciliation").then().statusCode(200);
        from(address()).header("X-Client-ID", Stores.newClient()).when().get("/api/credit").then().statusCode(200);
    }

    @Test
    void wrongKeysFromManyAddressesAre429ButTheRightKeyStillWorks() {
        for (int i = 0; i < LIMIT; i++) {
            from(address()).header("X-Admin-Key", "guess-" + i).when().post("/api/admin/reconciliation/rebuild")
                    .then().statusCode(403);
        }
        from(address()).header("X-Admin-Key", "guess-x").when().post("/api/admin/reconciliation/rebuild")
                .then().statusCode(429).body("limit", equalTo("auth-failures"));
        from(address()).when().get("/api/admin/reconciliation").then().statusCode(429);
        from(address()).header("X-Admin-Key", KEY).when().get("/api/admin/reconciliation").then().statusCode(200);
    }

    @Test
    void aFailedAuthenticationThatRedisCannotCountIs503NotAFreeGuess() {
        StoreFaults.pauseRedis(20_000);
        io.restassured.response.Response answer;
        try {
            answer = from(address()).header("X-Admin-Key", "guess-while-paused").when().get("/api/admin/reconciliation");
        } finally {
            StoreFaults.unpauseRedis();
        }
        // Fails closed and quickly: neither a 403 that cost the guesser nothing, nor an answer held until Redis is back.
        answer.then().statusCode(503).contentType("application/problem+json")
                .body("code", equalTo("service-unavailable")).header("Retry-After", org.hamcrest.Matchers.notNullValue());
        from(address()).header("X-Admin-Key", KEY).when().get("/api/admin/reconciliation").then().statusCode(200);
    }
}
