package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jwt mode: claims of the wrong shape are refused as 401 invalid-token (never a 500), {@code groups} must be a JSON
 * array of strings, and a token's lifetime is bounded (docs/security.md, "Token claims").
 */
@QuarkusTest
@TestProfile(JwtMode.class)
class TokenClaimsTest {

    @ParameterizedTest
    @ValueSource(strings = {"5", "true", "{\"admin\":true}", "\"client admin\"", "\"admin\"", "[\"admin\",5]",
        "[[\"admin\"]]", "null"})
    void groupsOtherThanAnArrayOfStringsAre401InvalidToken(String groups) {
        String token = RawTokens.signed(Stores.newClient(), "\"groups\":" + groups);
        given().auth().oauth2(token).when().get("/api/credit")
                .then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("invalid-token"))
                .header("WWW-Authenticate", containsString("invalid_token"));
        given().auth().oauth2(token).when().get("/api/admin/reconciliation")
                .then().statusCode(401).body("code", equalTo("invalid-token"));
    }

    @Test
    void aSubjectThatIsNotAStringIs401InvalidToken() {
        long now = RawTokens.now();
        for (String subject : new String[] {"5", "true", "{\"id\":\"acme\"}", "[\"acme\"]"}) {
            String token = RawTokens.sign("{\"iss\":\"" + JwtMode.ISSUER + "\",\"sub\":" + subject
                    + ",\"groups\":[\"client\"],\"iat\":" + now + ",\"exp\":" + (now + 60) + "}");
            given().auth().oauth2(token).when().get("/api/credit")
                    .then().statusCode(401).body("code", equalTo("invalid-token"));
        }
    }

    @Test
    void anArrayOfGroupsOrNoGroupsAtAllIsAccepted() {
        String client = Stores.newClient();
        given().auth().oauth2(RawTokens.signed(client, "\"groups\":[\"client\"]")).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(client));
        given().auth().oauth2(RawTokens.signed(client, "\"groups\":[]")).when().get("/api/credit")
                .then().statusCode(200);
        given().auth().oauth2(RawTokens.signed(client, "\"jti\":\"x\"")).when().get("/api/credit")
                .then().statusCode(200);
        // the admin role only from an array element named exactly so
        given().auth().oauth2(RawTokens.signed("ops", "\"groups\":[\"client\",\"admin\"]"))
                .when().get("/api/admin/reconciliation").then().statusCode(200);
    }

    @Test
    void aTokenLivingLongerThanTheMaximumIsRefused() {
        long now = RawTokens.now();
        // exp in 2200, as the report found accepted
        assertRefused(payload(now, 7_258_118_400L), "lifetime");
        assertRefused(payload(now, now + 24 * 3600 + 1), "lifetime");
        assertAccepted(payload(now, now + 24 * 3600));
    }

    @Test
    void aTokenWithoutIatIsRefused() {
        long now = RawTokens.now();
        assertRefused("{\"iss\":\"" + JwtMode.ISSUER + "\",\"sub\":\"acme\",\"groups\":[\"client\"],\"exp\":"
                + (now + 60) + "}", "iat");
    }

    @Test
    void anIatInTheFutureBeyondTheClockSkewIsRefused() {
        long now = RawTokens.now();
        long yearAhead = now + 365L * 24 * 3600;
        assertRefused(payload(yearAhead, yearAhead + 3600), "future");
        assertRefused(payload(now + 600, now + 3600), "future");
        // within the clock skew (mp.jwt.verify.clock.skew, 60 s by default): a clock a little ahead is tolerated
        assertAccepted(payload(now + 20, now + 3600));
    }

    private static String payload(long iat, long exp) {
        return "{\"iss\":\"" + JwtMode.ISSUER + "\",\"sub\":\"acme\",\"groups\":[\"client\"],\"iat\":" + iat
                + ",\"exp\":" + exp + "}";
    }

    private static void assertRefused(String payload, String detail) {
        given().auth().oauth2(RawTokens.sign(payload)).when().get("/api/credit")
                .then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("invalid-token"))
                .body("detail", containsString(detail));
    }

    private static void assertAccepted(String payload) {
        given().auth().oauth2(RawTokens.sign(payload)).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo("acme"));
    }
}
