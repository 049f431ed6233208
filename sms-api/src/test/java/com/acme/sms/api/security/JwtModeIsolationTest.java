package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** Isolation in jwt mode: the attacker holds a valid token of its own and names the victim wherever it can. */
@QuarkusTest
@TestProfile(JwtMode.class)
class JwtModeIsolationTest extends IsolationContract {

    @Override
    RequestSpecification as(String client) {
        return given().auth().oauth2(Tokens.client(client));
    }

    @Override
    String credited(int credit) {
        String client = Stores.newClient();
        given().auth().oauth2(Tokens.admin("ops")).header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": " + credit + "}")
                .when().post("/api/credit/increase?create=true").then().statusCode(200);
        return client;
    }

    @Override
    List<UnaryOperator<RequestSpecification>> tricks() {
        List<UnaryOperator<RequestSpecification>> tricks = new ArrayList<>(super.tricks());
        tricks.add(r -> r.header("X-Client-ID", victim));
        tricks.add(r -> r.header("X-Admin-Key", "test-admin-key").header("X-Client-ID", victim));
        // a second Authorization header carrying the victim's forged token, and a tampered one alone
        tricks.add(r -> r.header("Authorization", Tokens.bearer(Tokens.tampered(attacker, victim))));
        return tricks;
    }
}
