package com.acme.sms.api.ops;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Management;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: metrics (message volumes, queue depth, heap), health and the API's description are for operators, not for
 * whoever reaches the public port. They live on the management interface, a port of their own.
 */
@QuarkusTest
class ManagementInterfaceTest {

    static final String[] OPERATOR_PATHS = {"/q/metrics", "/q/health", "/q/health/live", "/q/health/ready",
        "/q/openapi", "/q/swagger-ui/"};

    @Test
    void thePublicPortServesNoOperatorEndpoint() {
        for (String path : OPERATOR_PATHS) {
            given().when().get(path).then().statusCode(404).contentType("application/problem+json");
        }
    }

    @Test
    void theManagementPortServesThemAll() {
        assertThat(Management.port()).as("a port of its own").isNotEqualTo(RestAssured.port);
        Management.given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        Management.given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"));
        Management.given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("SMS delivery API"));
        Management.given().when().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void theManagementPortServesNoApi() {
        Management.given().header("X-Client-ID", "acme").when().get("/api/credit").then().statusCode(404);
    }
}
