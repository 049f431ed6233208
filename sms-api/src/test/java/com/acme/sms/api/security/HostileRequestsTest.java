package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/** Thousands of random malformed requests at every endpoint in header mode (see {@link HostileRequests}). */
@QuarkusTest
class HostileRequestsTest {

    @Test
    void malformedRequestsGetA4xxProblemAndChangeNothing() {
        Map<String, String> settings = settings();
        settings.put("alice", credited());
        settings.put("bob", credited());
        settings.put("admin-key", "test-admin-key");
        JqwikRun.run(HeaderModeHostileRequests.class.getName(), settings);
    }

    /** Where the running application and its stores are. */
    static Map<String, String> settings() {
        Config config = ConfigProvider.getConfig();
        Map<String, String> settings = new HashMap<>();
        settings.put("port", Integer.toString(RestAssured.port));
        settings.put("jdbc-url", config.getValue("quarkus.datasource.jdbc.url", String.class));
        settings.put("jdbc-user", config.getValue("quarkus.datasource.username", String.class));
        settings.put("jdbc-password", config.getValue("quarkus.datasource.password", String.class));
        String redis = config.getValue("quarkus.redis.hosts", String.class);
        settings.put("redis-db", redis.substring(redis.lastIndexOf('/') + 1));
        return settings;
    }

    private static String credited() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"name\": \"Before\", \"balance\": 100}")
                .when().post("/api/credit/increase").then().statusCode(200);
        return client;
    }
}
