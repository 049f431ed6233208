package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Twelve hundred random malformed requests at every endpoint in jwt mode (see {@link HostileRequests}); the seed is
 * printed, and {@code -Dhostile.seed=N} replays another.
 */
@QuarkusTest
@TestProfile(JwtMode.class)
class JwtHostileRequestsTest {

    static final int REQUESTS = 1200;

    @Test
    void malformedRequestsGetA4xxProblemAndChangeNothing() throws Exception {
        String alice = credited();
        String bob = credited();
        HostileRequests hostile = new HostileRequests(true, alice, bob, "test-admin-key", Tokens.client(alice),
                Tokens.client(bob), Tokens.admin("ops"), List.of(Tokens.expired(alice), Tokens.wrongIssuer(alice),
                        Tokens.wronglySigned(alice), Tokens.unsigned(alice), Tokens.tampered(bob, alice), Tokens.badSubject(),
                        Tokens.expired("ops"), Tokens.wronglySigned("ops")));
        hostile.run("jwt mode", REQUESTS);
    }

    private static String credited() {
        String client = Stores.newClient();
        given().auth().oauth2(Tokens.admin("ops")).header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"Before\", \"balance\": 100}")
                .when().post("/api/credit/increase?create=true").then().statusCode(200);
        return client;
    }
}
