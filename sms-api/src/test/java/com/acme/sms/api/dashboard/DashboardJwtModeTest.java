package com.acme.sms.api.dashboard;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.security.JwtMode;
import com.acme.sms.api.security.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

/** In jwt mode the dashboard's password is an admin token; a client's token never opens it, however sent. */
@QuarkusTest
@TestProfile(JwtMode.class)
class DashboardJwtModeTest {

    @Test
    void anAdminTokenOpensItAndAClientTokenDoesNot() {
        given().auth().preemptive().basic("ops", Tokens.admin("ops")).when().get("/dashboard/api/state").then()
                .statusCode(200);
        given().auth().preemptive().basic("ops", Tokens.admin("ops")).when().get("/dashboard").then().statusCode(200);
        given().header("Authorization", "Bearer " + Tokens.admin("ops")).when().get("/dashboard/api/state").then()
                .statusCode(200);

        given().auth().preemptive().basic("acme", Tokens.client("acme")).when().get("/dashboard/api/state").then()
                .statusCode(401).body("code", equalTo("login-required"));
        given().header("Authorization", "Bearer " + Tokens.client("acme")).when().get("/dashboard").then()
                .statusCode(401).body("code", equalTo("login-required"));
        given().auth().preemptive().basic("ops", "test-admin-key").when().get("/dashboard").then().statusCode(401);
        given().when().get("/dashboard").then().statusCode(401);
    }
}
