package com.acme.sms.api.dashboard;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dashboard's door, its live state and its actions, on the real Redis (header mode). */
@QuarkusTest
class DashboardResourceTest {

    static final String KEY = "test-admin-key";

    @Inject
    Stores stores;

    RequestSpecification operator() {
        return given().auth().preemptive().basic("ops", KEY);
    }

    @AfterEach
    void resume() {
        for (MessageType type : MessageType.values()) {
            stores.redis().key(String.class).del(RedisKeys.paused(type));
        }
    }

    @Test
    void onlyTheAdminKeyAsBasicPasswordOpensItAndARefusalAsksTheBrowserToLogIn() {
        for (String path : List.of("/dashboard", "/dashboard/", "/dashboard/assets/dashboard.js", "/dashboard/api/state")) {
            given().when().get(path).then().statusCode(401)
                    .header("WWW-Authenticate", "Basic realm=\"SMS dashboard\", charset=\"UTF-8\"")
                    .body("code", equalTo("login-required"));
            given().auth().preemptive().basic("ops", "wrong").when().get(path).then().statusCode(401)
                    .header("WWW-Authenticate", containsString("Basic"));
        }
        // A client's credentials, as the API takes them or as a login, never open it.
        given().header("X-Client-ID", "acme").when().get("/dashboard/api/state").then().statusCode(401);
        given().auth().preemptive().basic("acme", "acme").when().get("/dashboard/api/state").then().statusCode(401);

        operator().when().get("/dashboard").then().statusCode(200).contentType(containsString("text/html"))
                .header("Cache-Control", "no-store").body(containsString("/dashboard/assets/dashboard.js"));
        operator().when().get("/dashboard/assets/uPlot.iife.min.js").then().statusCode(200)
                .contentType(containsString("javascript")).body(containsString("uPlot"));
        operator().when().get("/dashboard/assets/uPlot.min.css").then().statusCode(200).contentType(containsString("css"));
        operator().when().get("/dashboard/assets/dashboard.css").then().statusCode(200);
        operator().when().get("/dashboard/assets/..%2Fapplication.properties").then().statusCode(404);
        operator().when().get("/dashboard/assets/secret.txt").then().statusCode(404).body("code", equalTo("not-found"));
    }

    @Test
    void theStateCountsWhatEveryProcessAcceptedAndShowsTheQueue() {
        stores.clearQueues();
        // Other tests' clients may have sent more in the last hour: only this test's client is left to rank.
        for (String key : stores.redis().key(String.class).keys("sms:live:top:*")) {
            stores.redis().key(String.class).del(key);
        }
        String client = Stores.creditedClient(10);
        given().header("X-Client-ID", client).header("X-SMS-TYPE", "normal").contentType("application/json")
                .body("{\"messages\":[{\"to\":\"+4917012345\",\"from\":\"App\",\"content\":\"a\"},{\"to\":\"+4917012346\",\"from\":\"App\",\"content\":\"b\"},"
                        + "{\"to\":\"+4917012347\",\"from\":\"App\",\"content\":\"c\"}]}")
                .when().post("/api/messages/bulk/send").then().statusCode(202);

        // No worker runs in this test: the three wait in the stream, and nobody has read them.
        JsonPath state = operator().when().get("/dashboard/api/state").then().statusCode(200).extract().jsonPath();
        Map<String, Object> normal = state.getMap("queues.find { it.type == 'normal' }");
        assertThat(normal).containsEntry("depth", 3).containsEntry("waiting", 3).containsEntry("in_flight", 0)
                .containsEntry("paused", false);
        assertThat(((Number) normal.get("oldest_waiting_age_ms")).longValue()).isBetween(0L, 60_000L);

        // The live counters are flushed once a second and read in whole steps of 5 s: the three show up as a rate.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonPath s = operator().when().get("/dashboard/api/state").then().statusCode(200).extract().jsonPath();
            List<Float> accepted = s.getList("rates.series.accepted.normal", Float.class);
            assertThat(accepted).hasSize(180);
            double total = accepted.stream().mapToDouble(Float::doubleValue).sum() * 5;
            assertThat(total).isGreaterThanOrEqualTo(3.0);
            assertThat(s.getList("top_clients.client_id", String.class)).contains(client);
            assertThat(s.getLong("total_credit")).isGreaterThanOrEqualTo(7);
        });
    }

    @Test
    void pausingAQueueIsAConfirmedActionThatWorkersRead() {
        operator().when().post("/dashboard/api/queues/express/pause").then().statusCode(400)
                .body("code", equalTo("invalid-header")).body("detail", containsString("X-Dashboard-Action"));
        assertThat(stores.redis().key(String.class).exists(RedisKeys.paused(MessageType.EXPRESS)))
                .as("a forged request changes nothing").isFalse();
        given().header("X-Client-ID", "acme").header("X-Dashboard-Action", "1")
                .when().post("/dashboard/api/queues/express/pause").then().statusCode(401);

        operator().header("X-Dashboard-Action", "1").when().post("/dashboard/api/queues/express/pause").then()
                .statusCode(200).body("type", equalTo("express")).body("paused", equalTo(true));
        assertThat(stores.redis().key(String.class).exists(RedisKeys.paused(MessageType.EXPRESS))).isTrue();
        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> operator().when().get("/dashboard/api/state").then()
                .body("queues.find { it.type == 'express' }.paused", equalTo(true)));

        operator().header("X-Dashboard-Action", "1").when().post("/dashboard/api/queues/express/resume").then()
                .statusCode(200).body("paused", equalTo(false));
        assertThat(stores.redis().key(String.class).exists(RedisKeys.paused(MessageType.EXPRESS))).isFalse();
        operator().header("X-Dashboard-Action", "1").when().post("/dashboard/api/queues/bogus/pause").then()
                .statusCode(400).body("code", equalTo("invalid-sms-type"));
    }

    @Test
    void deadLettersAreListedRequeuedAndDiscardedFromTheDashboard() {
        String client = Stores.creditedClient(2);
        String entry = stores.redis().stream(String.class).xadd(RedisKeys.deadLetterKey(MessageType.NORMAL), Map.of(
                "id", UuidV7.next().toString(), "c", client, "to", "+4917012345", "f", "App", "b", "hello", "q", "1",
                "reason", "delivered 6 times without finishing", "entry", "1-0"));
        String garbage = stores.redis().stream(String.class).xadd(RedisKeys.deadLetterKey(MessageType.NORMAL),
                Map.of("garbage", "yes", "reason", "malformed entry"));

        operator().queryParam("type", "normal").queryParam("count", 1000).when().get("/dashboard/api/dead-letters")
                .then().statusCode(200).body("dead_letters.entry_id", hasItem(entry))
                .body("dead_letters.find { it.entry_id == '" + entry + "' }.fields.reason",
                        equalTo("delivered 6 times without finishing"));

        operator().when().post("/dashboard/api/dead-letters/normal/" + entry + "/requeue").then().statusCode(400);
        operator().when().delete("/dashboard/api/dead-letters/normal/" + garbage).then().statusCode(400);
        assertThat(stores.balanceKey(client)).as("nothing charged by a refused action").isEqualTo("2");

        operator().header("X-Dashboard-Action", "1").when().post("/dashboard/api/dead-letters/normal/" + entry + "/requeue")
                .then().statusCode(202).body("status", equalTo("queued"));
        assertThat(stores.balanceKey(client)).isEqualTo("1");
        operator().header("X-Dashboard-Action", "1").when().delete("/dashboard/api/dead-letters/normal/" + garbage)
                .then().statusCode(204);
        operator().queryParam("type", "normal").queryParam("count", 1000).when().get("/dashboard/api/dead-letters")
                .then().statusCode(200).body("dead_letters.entry_id", not(hasItem(entry)))
                .body("dead_letters.entry_id", not(hasItem(garbage)));
    }
}
