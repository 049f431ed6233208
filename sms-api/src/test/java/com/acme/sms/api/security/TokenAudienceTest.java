package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** Jwt mode with an audience configured, as outside local setups it must be: tokens for other audiences are refused. */
@QuarkusTest
@TestProfile(StrictJwtMode.class)
class TokenAudienceTest {

    @Test
    void onlyTokensForThisApisAudiencePass() {
        String client = Stores.newClient();
        given().auth().oauth2(RawTokens.signed(client, "\"groups\":[\"client\"]")).when().get("/api/credit")
                .then().statusCode(401).body("code", equalTo("invalid-token"));
        given().auth().oauth2(RawTokens.signed(client, "\"groups\":[\"client\"],\"aud\":\"billing\""))
                .when().get("/api/credit").then().statusCode(401).body("code", equalTo("invalid-token"));
        given().auth().oauth2(RawTokens.signed(client, "\"groups\":[\"client\"],\"aud\":\"" + StrictJwtMode.AUDIENCE + "\""))
                .when().get("/api/credit").then().statusCode(200).body("client_id", equalTo(client));
        given().auth().oauth2(RawTokens.signed(client, "\"groups\":[\"client\"],\"aud\":[\"billing\",\""
                + StrictJwtMode.AUDIENCE + "\"]"))
                .when().get("/api/credit").then().statusCode(200);
    }

    @Test
    void tokensOfBinTokenCarryTheAudienceAndPass() throws Exception {
        String client = Stores.newClient();
        given().auth().oauth2(JwtModeTest.binToken("client", client)).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(client));
        given().auth().oauth2(JwtModeTest.binToken("admin", "ops-bin", "--ttl", "24h"))
                .when().get("/api/admin/reconciliation").then().statusCode(200);
    }
}
