package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Thousands of random malformed requests at every endpoint in jwt mode (see {@link HostileRequests}). */
@QuarkusTest
@TestProfile(JwtMode.class)
class JwtHostileRequestsTest {

    @Test
    void malformedRequestsGetA4xxProblemAndChangeNothing() {
        String alice = credited();
        String bob = credited();
        Map<String, String> settings = HostileRequestsTest.settings();
        settings.put("alice", alice);
        settings.put("bob", bob);
        settings.put("admin-key", "test-admin-key");
        settings.put("alice-token", Tokens.client(alice));
        settings.put("bob-token", Tokens.client(bob));
        settings.put("admin-token", Tokens.admin("ops"));
        settings.put("bad-tokens", String.join(" ", Tokens.expired(alice), Tokens.wrongIssuer(alice),
                Tokens.wronglySigned(alice), Tokens.unsigned(alice), Tokens.tampered(bob, alice), Tokens.badSubject(),
                Tokens.expired("ops"), Tokens.wronglySigned("ops")));
        JqwikRun.run(JwtModeHostileRequests.class.getName(), settings);
    }

    private static String credited() {
        String client = Stores.newClient();
        given().auth().oauth2(Tokens.admin("ops")).header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"Before\", \"balance\": 100}")
                .when().post("/api/credit/increase").then().statusCode(200);
        return client;
    }
}
