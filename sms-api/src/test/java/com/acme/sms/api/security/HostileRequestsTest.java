package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.api.RawHttp;
import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two thousand random malformed requests at every endpoint in header mode (see {@link HostileRequests}); the seed is
 * printed, and {@code -Dhostile.seed=N} replays another.
 */
@QuarkusTest
class HostileRequestsTest {

    static final int REQUESTS = 2000;

    @Test
    void malformedRequestsGetA4xxProblemAndChangeNothing() throws Exception {
        hostile().run("header mode", REQUESTS);
    }

    /** The check itself is no rubber stamp: a request that succeeds and changes a balance fails it. */
    @Test
    void theCheckRefusesASuccessfulRequestThatChangesState() throws Exception {
        HostileRequests hostile = hostile();
        hostile.db = DriverManager.getConnection(hostile.jdbcUrl, hostile.jdbcUser, hostile.jdbcPassword);
        try {
            String before = hostile.footprint();
            HostileRequests.Case valid = new HostileRequests.Case("NONE INCREASE", new RawHttp.Request("POST",
                    "/api/credit/increase", List.of(new RawHttp.Header("X-Client-ID", hostile.alice),
                            new RawHttp.Header("Content-Type", "application/json")),
                    "{\"balance\": 1}".getBytes(StandardCharsets.UTF_8)), false);
            assertThatThrownBy(() -> hostile.check(valid)).isInstanceOf(AssertionError.class).hasMessageContaining("status of");
            assertThat(hostile.footprint()).isNotEqualTo(before);
        } finally {
            hostile.db.close();
        }
    }

    private static HostileRequests hostile() {
        return new HostileRequests(false, credited(), credited(), "test-admin-key", null, null, null, List.of());
    }

    private static String credited() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"name\": \"Before\", \"balance\": 100}")
                .when().post("/api/credit/increase").then().statusCode(200);
        return client;
    }
}
