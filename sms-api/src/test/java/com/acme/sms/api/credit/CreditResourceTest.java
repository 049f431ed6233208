package com.acme.sms.api.credit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
class CreditResourceTest {

    @Inject
    Stores stores;

    @Test
    void increaseCreatesTheClientAddsToTheBalanceAndWritesTheLedger() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"Mojtaba\", \"balance\": 50}")
                .when().post("/api/credit/increase")
                .then().statusCode(200)
                .body("client_id", equalTo(client))
                .body("name", equalTo("Mojtaba"))
                .body("balance", equalTo(50))
                .body("added", equalTo(50));

        // balance is an amount to add, not a new total; a missing name keeps the old one
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": 25}")
                .when().post("/api/credit/increase")
                .then().statusCode(200).body("balance", equalTo(75)).body("name", equalTo("Mojtaba"));

        given().header("X-Client-ID", client).when().get("/api/credit")
                .then().statusCode(200).body("balance", equalTo(75)).body("name", equalTo("Mojtaba"));

        assertThat(stores.balanceKey(client)).isEqualTo("75");
        assertThat(stores.count("SELECT balance FROM credits WHERE client_id = ?", client)).isEqualTo(75);
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ? AND reason = 'top_up'", client))
                .isEqualTo(2);
        assertThat(stores.count("SELECT sum(delta) FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(75);
    }

    @Test
    void nameCanBeChanged() {
        String client = Stores.newClient();
        increase(client, "{\"name\": \"Old\", \"balance\": 1}");
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"New name\", \"balance\": 1}")
                .when().post("/api/credit/increase")
                .then().statusCode(200).body("name", equalTo("New name")).body("balance", equalTo(2));
    }

    @Test
    void unknownClientHasZeroBalance() {
        given().header("X-Client-ID", Stores.newClient()).when().get("/api/credit")
                .then().statusCode(200).body("balance", equalTo(0)).body("name", nullValue());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"balance\": 0}",
        "{\"balance\": -5}",
        "{\"balance\": 1.5}",
        "{\"balance\": \"50\"}",
        "{\"balance\": true}",
        "{\"balance\": null}",
        "{\"name\": \"x\"}",
        "{\"balance\": 10000001}",
        "{\"balance\": 99999999999999999999999999}",
        "{\"balance\": 5",
        "{\"balance\": 5} trailing",
        "{\"balance\": 5, \"balance\": 6}",
        "[50]",
        "\"50\"",
        "null",
        "{\"name\": 7, \"balance\": 5}",
        "{\"name\": \"\", \"balance\": 5}",
        "{\"name\": \"bad\\u0000name\", \"balance\": 5}",
        "{\"name\": \"bad\\ud800name\", \"balance\": 5}",
        "{\"name\": \"x'); DROP TABLE credits; --\\u0007\", \"balance\": 5}"
    })
    void badBodiesGet400ProblemAndChangeNothing(String body) {
        String client = Stores.newClient();
        increase(client, "{\"name\": \"Before\", \"balance\": 10}");

        given().header("X-Client-ID", client).contentType("application/json").body(body)
                .when().post("/api/credit/increase")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("type", startsWith("https://"))
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("java.")));

        assertUnchanged(client);
    }

    @Test
    void tooLongNameIsRefused() {
        String client = Stores.newClient();
        increase(client, "{\"name\": \"Before\", \"balance\": 10}");
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"" + "n".repeat(201) + "\", \"balance\": 5}")
                .when().post("/api/credit/increase")
                .then().statusCode(400).body("code", equalTo("invalid-name"));
        assertUnchanged(client);
    }

    @Test
    void missingOrInvalidClientHeaderIs400() {
        given().contentType("application/json").body("{\"balance\": 5}")
                .when().post("/api/credit/increase")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("missing-client-id"));
        for (String bad : new String[] {"a b", "{acme}", "x".repeat(65), "acme*", "'; DROP TABLE credits; --", "-lead"}) {
            given().header("X-Client-ID", bad).contentType("application/json").body("{\"balance\": 5}")
                    .when().post("/api/credit/increase")
                    .then().statusCode(400).body("code", equalTo("invalid-client-id"));
            given().header("X-Client-ID", bad).when().get("/api/credit")
                    .then().statusCode(400).body("code", equalTo("invalid-client-id"));
        }
        assertThat(stores.count("SELECT count(*) FROM credits WHERE client_id LIKE '%DROP%' OR client_id LIKE '{%'"))
                .isZero();
    }

    @Test
    void missingBodyAndWrongMediaTypeAreClientErrors() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json")
                .when().post("/api/credit/increase")
                .then().statusCode(400).body("code", equalTo("missing-body"));
        given().header("X-Client-ID", client).contentType("text/plain").body("balance=5")
                .when().post("/api/credit/increase")
                .then().statusCode(415).contentType("application/problem+json");
        assertThat(stores.balanceKeyExists(client)).isFalse();
        assertThat(stores.count("SELECT count(*) FROM credits WHERE client_id = ?", client)).isZero();
    }

    @Test
    void balanceCannotGrowBeyondItsMaximumAndTheRefusalUndoesTheLedger() {
        String client = Stores.newClient();
        increase(client, "{\"balance\": 10}");
        stores.setBalance(client, 999_999_999_999L); // as if topped up many times over
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 5}")
                .when().post("/api/credit/increase")
                .then().statusCode(422).body("code", equalTo("balance-limit"));
        assertThat(stores.balanceKey(client)).isEqualTo("999999999999");
        assertThat(stores.count("SELECT balance FROM credits WHERE client_id = ?", client)).isEqualTo(10);
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(1);
    }

    private void assertUnchanged(String client) {
        assertThat(stores.balanceKey(client)).isEqualTo("10");
        assertThat(stores.count("SELECT balance FROM credits WHERE client_id = ?", client)).isEqualTo(10);
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(1);
        given().header("X-Client-ID", client).when().get("/api/credit").then().body("name", equalTo("Before"));
    }

    static void increase(String client, String body) {
        given().header("X-Client-ID", client).contentType("application/json").body(body)
                .when().post("/api/credit/increase")
                .then().statusCode(200);
    }
}
