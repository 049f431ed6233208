package com.acme.sms.api.ops;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import com.acme.sms.api.Management;
import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class OperationsTest {

    @Test
    void readinessChecksRedisAndPostgres() {
        Management.given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("Redis connection health check", "Database connections health check"));
        Management.given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsCountAcceptedAndRejectedMessagesAndShowQueueDepth() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 1}")
                .when().post("/api/credit/increase").then().statusCode(200);
        given().header("X-Client-ID", client).header("X-SMS-TYPE", "express").contentType("application/json")
                .body("{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"a\"},"
                        + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"b\"},"
                        + "{\"to\": \"x\", \"from\": \"App\", \"content\": \"c\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(202);
        Management.given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("sms_messages_accepted_total{type=\"express\"}"))
                .body(containsString("sms_messages_rejected_total{reason=\"insufficient_credit\",type=\"express\"}"))
                .body(containsString("sms_messages_rejected_total{reason=\"invalid_to\",type=\"express\"}"))
                .body(containsString("sms_queue_depth{type=\"express\"}"))
                .body(containsString("sms_queue_depth{type=\"normal\"}"));
    }

    @Test
    void openApiDescribesEveryEndpointWithItsHeaders() {
        Management.given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body("paths.keySet()", hasItems("/api/credit/increase", "/api/credit", "/api/messages/bulk/send",
                        "/api/messages/sent-log", "/api/messages/{id}"))
                .body(containsString("X-Client-ID"))
                .body(containsString("X-SMS-TYPE"))
                .body(containsString("\"402\""));
        Management.given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void unknownPathsAndMethodsGetProblemJson() {
        given().when().get("/api/nothing-here").then().statusCode(404).contentType("application/problem+json");
        given().header("X-Client-ID", "a").when().delete("/api/credit").then().statusCode(405)
                .contentType("application/problem+json");
    }
}
