package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/** Isolation in header mode, where X-Client-ID identifies the caller. */
@QuarkusTest
class HeaderModeIsolationTest extends IsolationContract {

    @Override
    RequestSpecification as(String client) {
        return given().header("X-Client-ID", client);
    }

    @Override
    String credited(int credit) {
        String client = Stores.newClient();
        as(client).contentType("application/json").body("{\"balance\": " + credit + "}")
                .when().post("/api/credit/increase").then().statusCode(200);
        return client;
    }

    @Test
    void aSecondClientIdOrAListOfIdsIsRefused() {
        for (RequestSpecification r : new RequestSpecification[] {
            as(attacker).header("X-Client-ID", victim),
            given().header("X-Client-ID", attacker + "," + victim),
            given().header("X-Client-ID", attacker + " " + victim),
        }) {
            Response response = r.contentType("application/json").body("{\"balance\": 5}").when().post("/api/credit/increase");
            assertThat(response.statusCode()).isEqualTo(400);
        }
        assertVictimUntouched();
    }
}
