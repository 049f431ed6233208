package com.acme.sms.api.ratelimit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Management;
import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.value.SetArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The per-client limits over HTTP, with the default configuration (2000 requests/s, 50000 normal and 10000 express
 * messages/s). A window is filled by writing its counter directly, with a long expiry, so that the tests do not
 * depend on how many requests fit into one real second on this machine.
 */
@QuarkusTest
class RateLimitTest {

    static final String OTP = "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"OTP 1234\"}";

    @Inject
    Stores stores;

    @Test
    void aFullRequestWindowGives429WithRetryAfterAndChangesNothing() {
        String client = credited(5);
        fill(RedisKeys.requestsRateKey(client), 2000, Duration.ofSeconds(30));
        double before = refused("all", "requests");

        Response r = given().header("X-Client-ID", client).header("X-SMS-TYPE", "express").contentType("application/json")
                .body("{\"messages\": [" + OTP + "]}").when().post("/api/messages/bulk/send");
        r.then().statusCode(429).contentType("application/problem+json")
                .body("code", equalTo("rate-limited"))
                .body("limit", equalTo("requests"))
                .body("detail", containsString("2000 requests per second"));
        long retryAfter = Long.parseLong(r.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 30L);
        assertThat(r.<Integer>path("retry_after_seconds")).isEqualTo((int) retryAfter);

        given().header("X-Client-ID", client).when().get("/api/credit").then().statusCode(429);
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 5}")
                .when().post("/api/credit/increase").then().statusCode(429);
        given().header("X-Client-ID", client).when().get("/api/messages/sent-log").then().statusCode(429);

        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)).isEqualTo(1);
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
        // refused requests are not counted in the window
        assertThat(stores.redis().value(String.class).get(RedisKeys.requestsRateKey(client))).isEqualTo("2000");
        assertThat(refused("all", "requests")).isEqualTo(before + 4);

        // other clients are not affected
        given().header("X-Client-ID", Stores.newClient()).when().get("/api/credit").then().statusCode(200);
    }

    @Test
    void theWindowEndsAndTheClientMayGoOn() {
        String client = Stores.newClient();
        fill(RedisKeys.requestsRateKey(client), 2000, Duration.ofMillis(600));
        given().header("X-Client-ID", client).when().get("/api/credit").then().statusCode(429);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> given().header("X-Client-ID", client).when().get("/api/credit").then().statusCode(200));
    }

    @Test
    void eachRequestIsCountedInAOneSecondWindow() {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).when().get("/api/credit").then().statusCode(200);
        String key = RedisKeys.requestsRateKey(client);
        long ttl = stores.redis().key(String.class).pttl(key);
        assertThat(ttl).isBetween(1L, 1000L);
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("1");
    }

    @Test
    void adminEndpointsAreNotRateLimited() {
        fill(RedisKeys.requestsRateKey("admin"), 1_000_000, Duration.ofSeconds(30));
        given().header("X-Admin-Key", "test-admin-key").when().get("/api/admin/dead-letters").then().statusCode(200);
    }

    @Test
    void aFullMessagesWindowRefusesTheWholeRequestAndChargesNothing() {
        String client = credited(10);
        String key = RedisKeys.messagesRateKey(client, MessageType.EXPRESS);
        fill(key, 9_999, Duration.ofSeconds(30));
        double before = refused("express", "messages");
        String two = "{\"messages\": [" + OTP + ", " + OTP + "]}";

        Response r = send(client, "express", two);
        r.then().statusCode(429).contentType("application/problem+json")
                .body("code", equalTo("rate-limited"))
                .body("limit", equalTo("messages"))
                .body("detail", containsString("10000 express messages per second"));
        assertThat(Long.parseLong(r.header("Retry-After"))).isBetween(1L, 30L);
        assertThat(stores.balanceKey(client)).isEqualTo("10");
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("9999");
        assertThat(refused("express", "messages")).isEqualTo(before + 1);

        // the last free place of the window still takes one message; normal messages have their own window
        send(client, "express", "{\"messages\": [" + OTP + "]}").then().statusCode(202).body("accepted", equalTo(1));
        assertThat(stores.redis().value(String.class).get(key)).isEqualTo("10000");
        send(client, "normal", two).then().statusCode(202).body("accepted", equalTo(2));
        assertThat(stores.balanceKey(client)).isEqualTo("7");
    }

    @Test
    void concurrentRequestsNeverOvershootTheLimits() throws Exception {
        // 7 places left in the express window, 5 in the requests window of another client; 40 racing requests each
        String client = credited(100);
        String messages = RedisKeys.messagesRateKey(client, MessageType.EXPRESS);
        fill(messages, 10_000 - 7, Duration.ofSeconds(30));
        String reader = Stores.newClient();
        fill(RedisKeys.requestsRateKey(reader), 2000 - 5, Duration.ofSeconds(30));

        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> sends = new ArrayList<>();
            List<Future<Integer>> reads = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                sends.add(pool.submit(() -> send(client, "express", "{\"messages\": [" + OTP + "]}").statusCode()));
                reads.add(pool.submit(() -> given().header("X-Client-ID", reader).when().get("/api/credit").statusCode()));
            }
            assertThat(statuses(sends)).containsEntry(202, 7L).containsEntry(429, 33L);
            assertThat(statuses(reads)).containsEntry(200, 5L).containsEntry(429, 35L);
        } finally {
            pool.shutdown();
        }
        assertThat(stores.balanceKey(client)).isEqualTo("93");
        assertThat(stores.queued(MessageType.EXPRESS, client)).hasSize(7);
        assertThat(stores.redis().value(String.class).get(messages)).isEqualTo("10000");
    }

    private static Map<Integer, Long> statuses(List<Future<Integer>> answers) throws Exception {
        List<Integer> all = new ArrayList<>();
        for (Future<Integer> f : answers) {
            all.add(f.get());
        }
        return all.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    }

    @Test
    void metricsShowRefusalsByTypeAndLimit() {
        String body = Management.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(body).contains("sms_rate_limited_total{limit=\"requests\",type=\"all\"}")
                .contains("sms_rate_limited_total{limit=\"messages\",type=\"normal\"}")
                .contains("sms_rate_limited_total{limit=\"messages\",type=\"express\"}");
    }

    @Test
    void aBenchmarkLikeBurstIsNotLimited() {
        // 300 requests of 10 messages as fast as one client can send them: far below the defaults.
        String client = credited(3000);
        String ten = "{\"messages\": [" + String.join(",", Collections.nCopies(10, OTP)) + "]}";
        for (int i = 0; i < 300; i++) {
            send(client, "normal", ten).then().statusCode(202);
        }
        assertThat(stores.balanceKeyExists(client)).isFalse();
    }

    private void fill(String key, long count, Duration ttl) {
        stores.redis().value(String.class).set(key, Long.toString(count), new SetArgs().px(ttl));
    }

    private static double refused(String type, String limit) {
        String metrics = Management.given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("sms_rate_limited_total\\{limit=\"" + limit + "\",type=\"" + type + "\"} ([0-9.E]+)")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static Response send(String client, String type, String body) {
        return given().header("X-Client-ID", client).header("X-SMS-TYPE", type).contentType("application/json").body(body)
                .when().post("/api/messages/bulk/send");
    }

    private static String credited(int credit) {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"balance\": " + credit + "}")
                .when().post("/api/credit/increase").then().statusCode(200);
        return client;
    }
}
