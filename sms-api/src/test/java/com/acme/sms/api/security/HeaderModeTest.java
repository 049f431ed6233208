package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Header mode, the default: X-Client-ID names the caller, as docs/specification.md describes. It runs with smallrye-jwt present but no key configured, and
 * bearer tokens mean nothing in it, valid or not.
 */
@QuarkusTest
class HeaderModeTest {

    @Inject
    Stores stores;

    @Test
    void runsWithoutAnyTokenKeyConfigured() {
        var config = ConfigProvider.getConfig();
        assertThat(config.getValue("sms.auth.mode", String.class)).isEqualTo("header");
        assertThat(config.getOptionalValue("mp.jwt.verify.publickey.location", String.class)).isEmpty();
        // smallrye-jwt's "no key" (which also keeps Quarkus from generating a key pair for tests)
        assertThat(config.getOptionalValue("mp.jwt.verify.publickey", String.class)).hasValue("NONE");
        assertThat(config.getOptionalValue("smallrye.jwt.verify.key.location", String.class)).isEmpty();
    }

    @Test
    void bearerTokensAreIgnoredValidOrNot() {
        String client = Stores.newClient();
        for (String authorization : new String[] {"Bearer " + Tokens.admin("ops"), "Bearer " + Tokens.client("someone-else"),
            "Bearer not.a.token", "Basic Zm9vOmJhcg=="}) {
            given().header("Authorization", authorization).header("X-Client-ID", client).when().get("/api/credit")
                    .then().statusCode(200).body("client_id", equalTo(client));
            // a token never stands in for the header
            given().header("Authorization", authorization).when().get("/api/credit")
                    .then().statusCode(400).body("code", equalTo("missing-client-id"));
            // nor for the admin key
            given().header("Authorization", authorization).when().get("/api/admin/dead-letters")
                    .then().statusCode(403).body("code", equalTo("not-admin"));
        }
    }

    @Test
    void theLedgerRecordsTheClientThatAddedCredit() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 3}")
                .when().post("/api/credit/increase").then().statusCode(200);
        assertThat(stores.text("SELECT created_by FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(client);
    }
}
