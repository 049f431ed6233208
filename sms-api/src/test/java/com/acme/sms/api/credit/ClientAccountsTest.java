package com.acme.sms.api.credit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Client ids are lower case: {@code acme}, {@code ACME} and {@code Acme} were three accounts, and a typo in the case
 * opened a new one. Header mode keeps creating a client on its first top-up, as docs/specification.md describes.
 */
@QuarkusTest
class ClientAccountsTest {

    @Inject
    Stores stores;

    @ParameterizedTest
    @ValueSource(strings = {"ACME-%s", "Acme-%s", "acmE-%s", "t-%s-ABC"})
    void anUpperCaseClientIdIsRefusedOnEveryEndpoint(String template) {
        // unique per run, so that an account left by an earlier run (before this rule) cannot mask a new one
        String id = template.formatted(UUID.randomUUID().toString().substring(0, 8));
        given().header("X-Client-ID", id).contentType("application/json").body("{\"balance\": 5}")
                .when().post("/api/credit/increase")
                .then().statusCode(400).body("code", equalTo("invalid-client-id"));
        given().header("X-Client-ID", id).when().get("/api/credit")
                .then().statusCode(400).body("code", equalTo("invalid-client-id"));
        given().header("X-Client-ID", id).when().get("/api/messages/sent-log")
                .then().statusCode(400).body("code", equalTo("invalid-client-id"));
        assertThat(stores.count("SELECT count(*) FROM credits WHERE client_id = ?", id)).isZero();
    }

    @Test
    void aClientCreditingItselfInHeaderModeIsCreatedOnItsFirstTopUp() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 5}")
                .when().post("/api/credit/increase").then().statusCode(200).body("balance", equalTo(5));
    }

    @Test
    void theAdminReconciliationRefusesAnUpperCaseClient() {
        given().header("X-Admin-Key", "test-admin-key").queryParam("client", "ACME")
                .when().get("/api/admin/reconciliation").then().statusCode(400);
    }
}
