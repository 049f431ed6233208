package com.acme.sms.worker.health;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import com.acme.sms.worker.Management;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

/** A worker's health and metrics are on its management port; its HTTP port serves nothing (issue 16). */
@QuarkusTest
class ManagementPortTest {

    @Test
    void healthAndMetricsAreOnTheManagementPortOnly() {
        assertThat(Management.port()).as("a port of its own").isNotEqualTo(RestAssured.port);
        for (String path : new String[] {"/q/metrics", "/q/health", "/q/health/live", "/q/health/ready"}) {
            given().when().get(path).then().statusCode(404);
        }
        Management.given().when().get("/q/health/live").then().statusCode(200);
        Management.given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
