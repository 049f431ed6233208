package com.acme.sms.worker;

import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Requests to the management interface (health and metrics), which listens on its own port. The test profile
 * binds it to a free port ({@code %test.quarkus.management.test-port=0}); Quarkus publishes the port it got under
 * that key once the app has started.
 */
public final class Management {

    private Management() {
    }

    public static int port() {
        return ConfigProvider.getConfig().getValue("quarkus.management.test-port", Integer.class);
    }

    /** RestAssured's {@code given()}, aimed at the management port. */
    public static RequestSpecification given() {
        return RestAssured.given().port(port());
    }
}
