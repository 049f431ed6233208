package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Jwt mode: invalid tokens are throttled per source address and per claimed caller; valid ones never are. */
@QuarkusTest
@TestProfile(StrictJwtMode.class)
class AuthThrottleJwtModeTest {

    static final int LIMIT = StrictJwtMode.FAILURE_LIMIT;

    @Test
    void anAddressSendingInvalidTokensIsBlockedUntilItsWindowEnds() {
        String attacker = address();
        String client = Stores.newClient();
        String forged = RawTokens.sign("{\"iss\":\"https://evil.example\",\"sub\":\"" + Stores.newClient()
                + "\",\"aud\":\"sms-api\",\"groups\":[\"admin\"],\"iat\":" + RawTokens.now() + ",\"exp\":"
                + (RawTokens.now() + 60) + "}");
        for (int i = 0; i < LIMIT; i++) {
            from(attacker).auth().oauth2(forged).when().get("/api/admin/reconciliation")
                    .then().statusCode(401).body("code", equalTo("invalid-token"));
        }
        Response refused = from(attacker).auth().oauth2(forged).when().get("/api/admin/reconciliation");
        refused.then().statusCode(429).contentType("application/problem+json")
                .body("code", equalTo("rate-limited")).body("limit", equalTo("auth-failures"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        // blocked: even a valid token from that address, before it is checked
        from(attacker).auth().oauth2(valid(client)).when().get("/api/credit").then().statusCode(429);
        // other addresses are not
        from(address()).auth().oauth2(valid(client)).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(client));

        // The window is fixed from the first failure (asking again does not extend it): poll until it ends.
        await().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofSeconds(retryAfter + 5)).untilAsserted(
                () -> from(attacker).auth().oauth2(valid(client)).when().get("/api/credit").then().statusCode(200));
    }

    @Test
    void failuresClaimingAClientAre429ButNeverLockThatClientOut() {
        String victim = Stores.newClient();
        // each attempt from another address, so that only the per-caller count can refuse them
        for (int i = 0; i < LIMIT; i++) {
            from(address()).auth().oauth2(claiming(victim)).when().get("/api/credit").then().statusCode(401);
        }
        from(address()).auth().oauth2(claiming(victim)).when().get("/api/credit")
                .then().statusCode(429).body("code", equalTo("rate-limited"));
        from(address()).auth().oauth2(valid(victim)).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(victim));
    }

    @Test
    void successfulRequestsAreNeverThrottled() {
        String caller = address();
        String client = Stores.newClient();
        for (int i = 0; i < LIMIT * 4; i++) {
            from(caller).auth().oauth2(valid(client)).when().get("/api/credit").then().statusCode(200);
        }
        // a missing token guesses nothing and is not counted either
        for (int i = 0; i < LIMIT * 2; i++) {
            from(caller).when().get("/api/credit").then().statusCode(401).body("code", equalTo("missing-token"));
        }
        from(caller).auth().oauth2(valid(client)).when().get("/api/credit").then().statusCode(200);
    }

    static io.restassured.specification.RequestSpecification from(String address) {
        return given().header("X-Forwarded-For", address);
    }

    /** A fresh address of the documentation range, so that tests do not share counters. */
    static String address() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "2001:db8::" + Integer.toHexString(random.nextInt(1, 0xffff)) + ":"
                + Integer.toHexString(random.nextInt(1, 0xffff));
    }

    private static String valid(String client) {
        return RawTokens.signed(client, "\"groups\":[\"client\"],\"aud\":\"" + StrictJwtMode.AUDIENCE + "\"");
    }

    /** Correctly shaped but signed for another audience: invalid, naming the victim as its subject. */
    private static String claiming(String victim) {
        return RawTokens.signed(victim, "\"groups\":[\"admin\"],\"aud\":\"elsewhere\"");
    }
}
