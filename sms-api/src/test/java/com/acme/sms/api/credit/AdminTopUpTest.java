package com.acme.sms.api.credit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.api.security.JwtMode;
import com.acme.sms.api.security.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Jwt mode: an admin's top-up to a client never seen opens an account only when asked to ({@code ?create=true}). */
@QuarkusTest
@TestProfile(JwtMode.class)
class AdminTopUpTest {

    @Inject
    Stores stores;

    @Test
    void aTopUpToAnUnknownClientIs404AndRecordsNothing() {
        String typo = Stores.newClient();
        topUp(typo, "").then().statusCode(404).body("code", equalTo("client-not-found"));
        topUp(typo, "?create=false").then().statusCode(404).body("code", equalTo("client-not-found"));
        assertThat(stores.count("SELECT count(*) FROM credits WHERE client_id = ?", typo)).isZero();
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", typo)).isZero();
        assertThat(stores.balanceKeyExists(typo)).isFalse();
    }

    @Test
    void createTrueOpensTheAccountAndLaterTopUpsNeedNoFlag() {
        String client = Stores.newClient();
        topUp(client, "?create=true").then().statusCode(200).body("balance", equalTo(5));
        topUp(client, "").then().statusCode(200).body("balance", equalTo(10));
        topUp(client, "?create=true").then().statusCode(200).body("balance", equalTo(15));
    }

    @Test
    void theFlagIsTrueOrFalse() {
        String client = Stores.newClient();
        topUp(client, "?create=1").then().statusCode(400).body("code", equalTo("invalid-parameter"));
        topUp(client, "?create=true&create=true").then().statusCode(400).body("code", equalTo("invalid-parameter"));
        assertThat(stores.balanceKeyExists(client)).isFalse();
    }

    @Test
    void anUpperCaseClientIdOrTokenSubjectIsRefused() {
        given().auth().oauth2(Tokens.admin("ops")).header("X-Client-ID", "Acme").contentType("application/json")
                .body("{\"balance\": 5}").when().post("/api/credit/increase?create=true")
                .then().statusCode(400).body("code", equalTo("invalid-client-id"));
        given().auth().oauth2(Tokens.client("Acme")).when().get("/api/credit")
                .then().statusCode(401).body("code", equalTo("invalid-token"));
    }

    private static Response topUp(String client, String query) {
        return given().auth().oauth2(Tokens.admin("ops")).header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": 5}").when().post("/api/credit/increase" + query);
    }
}
