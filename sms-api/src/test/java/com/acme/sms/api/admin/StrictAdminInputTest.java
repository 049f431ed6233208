package com.acme.sms.api.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Admin input that Redis or Java's lenient parsing used to take: stream ids beyond 64 bits, non-ASCII keywords. */
@QuarkusTest
class StrictAdminInputTest {

    RequestSpecification admin() {
        return given().header("X-Admin-Key", AdminResourceTest.KEY).urlEncodingEnabled(false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999-99999999999999999999", "18446744073709551616-0",
        "0-18446744073709551616", "1-", "-1", "1-2-3"})
    void aDeadLetterIdBeyondTwoUnsigned64BitNumbersIs400(String id) {
        admin().when().post("/api/admin/dead-letters/normal/" + id + "/requeue")
                .then().statusCode(400).body("code", equalTo("invalid-parameter"));
        admin().when().delete("/api/admin/dead-letters/express/" + id)
                .then().statusCode(400).body("code", equalTo("invalid-parameter"));
    }

    @Test
    void theLargestStreamIdIsWellFormedAndSimplyNotFound() {
        String max = "18446744073709551615-18446744073709551615";
        admin().when().post("/api/admin/dead-letters/normal/" + max + "/requeue")
                .then().statusCode(404).body("code", equalTo("dead-letter-not-found"));
        admin().when().delete("/api/admin/dead-letters/normal/" + max)
                .then().statusCode(404).body("code", equalTo("dead-letter-not-found"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"type=expre%C5%BFs", "count=%D9%A1%D9%A0", "count=%2B10", "type=normal&count=%EF%BC%95"})
    void listingReadsAsciiKeywordsAndNumbersOnly(String query) {
        admin().when().get("/api/admin/dead-letters?" + query)
                .then().statusCode(400).body("code", equalTo("invalid-parameter"));
    }

    @Test
    void theReconciliationFlagIsTrueOrFalse() {
        admin().when().get("/api/admin/reconciliation?all=yes")
                .then().statusCode(400).body("code", equalTo("invalid-parameter"));
        admin().when().get("/api/admin/reconciliation?client=nobody-here&all=TRUE").then().statusCode(200);
    }
}
