package com.acme.sms.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.notNullValue;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.BuiltApp;
import com.sun.net.httpserver.HttpServer;
import io.restassured.specification.RequestSpecification;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole flow through the packaged jars, as a user runs them: the API, an express worker and a normal worker
 * as separate processes on real Redis and PostgreSQL.
 */
class EndToEndIT {

    static AppProcess api;
    static AppProcess express;
    static AppProcess normal;

    /** As bin/run sets them: a status webhook may point at a receiver on this machine over http. */
    static final Map<String, String> LOCAL_WEBHOOKS = Map.of("SMS_WEBHOOKS_ALLOW_HTTP", "true",
            "SMS_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", "true");

    @BeforeAll
    static void start() throws Exception {
        api = AppProcess.start(BuiltApp.API, "api", LOCAL_WEBHOOKS).awaitReady();
        express = AppProcess.start(BuiltApp.WORKER, "worker-express", LOCAL_WEBHOOKS, "--queue=express");
        normal = AppProcess.start(BuiltApp.WORKER, "worker-normal", LOCAL_WEBHOOKS, "--queue", "normal");
        express.awaitReady();
        normal.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        for (AppProcess p : new AppProcess[] {normal, express, api}) {
            if (p != null) {
                p.close();
            }
        }
    }

    RequestSpecification client(String id) {
        return given().baseUri("http://127.0.0.1").port(api.port).header("X-Client-ID", id).contentType("application/json");
    }

    @Test
    void creditSendDeliverAndReadTheLog() {
        String acme = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
        client(acme).body("{\"name\": \"Acme\", \"balance\": 10}").post("/api/credit/increase")
                .then().statusCode(200).body("balance", equalTo(10));

        List<String> expressIds = client(acme).header("X-SMS-TYPE", "express")
                .body("{\"messages\": ["
                        + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"Your OTP code is 1234\"},"
                        + "{\"to\": \"+4917098765\", \"from\": \"App\", \"content\": \"Your OTP code is 5678\"},"
                        + "{\"to\": \"+447700911112\", \"from\": \"App\", \"content\": \"fails at the provider\"}]}")
                .post("/api/messages/bulk/send")
                .then().statusCode(202).body("accepted", equalTo(3)).extract().path("results.id");
        client(acme).header("X-SMS-TYPE", "normal")
                .body("{\"messages\": ["
                        + "{\"to\": \"+4917000001\", \"from\": \"Shop\", \"content\": \"n1\"},"
                        + "{\"to\": \"+4917000002\", \"from\": \"Shop\", \"content\": \"n2\"},"
                        + "{\"to\": \"+4917000003\", \"from\": \"Shop\", \"content\": \"n3\"},"
                        + "{\"to\": \"+447700100004\", \"from\": \"Shop\", \"content\": \"n4 to a phone that is off\"}]}")
                .post("/api/messages/bulk/send")
                .then().statusCode(202).body("accepted", equalTo(4));

        // The workers deliver everything; the failed one is refunded.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> client(acme).get("/api/messages/sent-log")
                .then().statusCode(200).body("total", equalTo(7)));
        client(acme).get("/api/credit").then().body("balance", equalTo(4));

        client(acme).queryParam("status", "failed").get("/api/messages/sent-log")
                .then().body("total", equalTo(1))
                .body("messages[0].to", equalTo("+447700911112"))
                .body("messages[0].error_message", containsString("rejected"));
        // Then the receipts come: the provider took 6, 5 reach their phones, 1 is undelivered (and stays charged).
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> client(acme).queryParam("status", "delivered")
                .get("/api/messages/sent-log").then().statusCode(200).body("total", equalTo(5)));
        client(acme).queryParam("type", "express").queryParam("status", "delivered").get("/api/messages/sent-log")
                .then().body("total", equalTo(2)).body("messages.type", everyItem(equalTo("express")));
        client(acme).queryParam("status", "undelivered").get("/api/messages/sent-log")
                .then().body("total", equalTo(1)).body("messages[0].to", equalTo("+447700100004"))
                .body("messages[0].error_code", equalTo("001"));
        client(acme).get("/api/credit").then().body("balance", equalTo(4));
        client(acme).queryParam("type", "normal").queryParam("page", 2).queryParam("page_size", 3).get("/api/messages/sent-log")
                .then().body("total", equalTo(4)).body("total_pages", equalTo(2)).body("messages.size()", equalTo(1));
        client(acme).get("/api/messages/" + expressIds.get(0))
                .then().statusCode(200).body("status", equalTo("delivered")).body("content", equalTo("Your OTP code is 1234"))
                .body("segments", equalTo(1)).body("provider_message_id", notNullValue())
                .body("delivered_at", notNullValue());
        client("someone-else").get("/api/messages/" + expressIds.get(0)).then().statusCode(404);

        given().port(express.managementPort).get("/q/metrics").then().statusCode(200)
                .body(containsString("sms_messages_processed_total{status=\"sent\",type=\"express\"}"))
                .body(containsString("sms_delivery_latency_seconds_count{type=\"express\"}"))
                .body(containsString("sms_receipt_latency_seconds_count"))
                .body(containsString("sms_receipts_applied_total{state=\"DELIVRD\"}"));
        given().port(normal.managementPort).get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    /**
     * Issue 11's new user: a receiver on this machine registered as the client's webhook gets, signed, an event for
     * each status change (sent, then delivered from the receipt; failed), and nothing for another client.
     */
    @Test
    void aClientsReceiverGetsSignedEventsForEveryStatusChange() throws Exception {
        String secret = "e2e-webhook-secret-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> bodies = new CopyOnWriteArrayList<>();
        List<String> badSignatures = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        receiver.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String ts = exchange.getRequestHeaders().getFirst("X-SMS-Timestamp");
            String expected;
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                expected = "v1=" + HexFormat.of().formatHex(mac.doFinal((ts + "." + new String(body, StandardCharsets.UTF_8))
                        .getBytes(StandardCharsets.UTF_8)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            if (!expected.equals(exchange.getRequestHeaders().getFirst("X-SMS-Signature"))) {
                badSignatures.add(new String(body, StandardCharsets.UTF_8));
            }
            bodies.add(new String(body, StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String acme = "e2e-wh-" + UUID.randomUUID().toString().substring(0, 8);
            client(acme).body("{\"balance\": 5}").post("/api/credit/increase").then().statusCode(200);
            client(acme).body("{\"url\": \"http://127.0.0.1:" + receiver.getAddress().getPort()
                    + "/sms-events\", \"secret\": \"" + secret + "\"}").put("/api/webhook").then().statusCode(201)
                    .body("secret_set", equalTo(true));
            List<String> ids = client(acme).body("{\"messages\": ["
                    + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"Your code is 1234\"},"
                    + "{\"to\": \"+447700911112\", \"from\": \"App\", \"content\": \"fails at the provider\"}]}")
                    .post("/api/messages/bulk/send").then().statusCode(202).extract().path("results.id");
            String other = "e2e-wh-none-" + UUID.randomUUID().toString().substring(0, 8);
            client(other).body("{\"balance\": 5}").post("/api/credit/increase").then().statusCode(200);
            client(other).body("{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"hi\"}]}")
                    .post("/api/messages/bulk/send").then().statusCode(202);

            await().atMost(Duration.ofSeconds(30)).until(() -> String.join("\n", bodies).split("\"event_id\"").length - 1 >= 3);
            String all = String.join("\n", bodies);
            assertThat(badSignatures).isEmpty();
            assertThat(all).contains("\"message_id\":\"" + ids.get(0) + "\",\"status\":\"sent\"")
                    .contains("\"message_id\":\"" + ids.get(0) + "\",\"status\":\"delivered\"")
                    .contains("\"message_id\":\"" + ids.get(1) + "\",\"status\":\"failed\"")
                    .doesNotContain(other);
            given().port(normal.managementPort).get("/q/metrics").then().statusCode(200)
                    .body(containsString("sms_webhooks_events_delivered_total"))
                    .body(containsString("sms_webhooks_batches_total{outcome=\"delivered\"}"));
            client(acme).delete("/api/webhook").then().statusCode(204);
        } finally {
            receiver.stop(0);
        }
    }

    @Test
    void operatorEndpointsAreOnTheManagementPortsOnly() {
        // Issue 16: metrics, health and the API's description are not for whoever reaches the public port.
        for (String path : List.of("/q/metrics", "/q/health/ready", "/q/openapi", "/q/swagger-ui/")) {
            given().port(api.port).get(path).then().statusCode(404);
        }
        for (String path : List.of("/q/metrics", "/q/health/ready")) {
            given().port(express.port).get(path).then().statusCode(404);
        }
        given().port(api.managementPort).get("/q/metrics").then().statusCode(200)
                .body(containsString("sms_queue_depth{type=\"express\"}"));
        given().port(api.managementPort).get("/q/health/ready").then().statusCode(200);
        given().port(api.managementPort).queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("SMS delivery API"));
        given().port(api.managementPort).get("/q/swagger-ui/").then().statusCode(200);
        given().port(api.managementPort).header("X-Client-ID", "acme").get("/api/credit").then().statusCode(404);
    }

    @Test
    void aWorkerWithoutAValidQueueExitsNonZeroWithAClearMessage() throws Exception {
        for (String[] args : new String[][] {{}, {"--queue=urgent"}}) {
            AppProcess bad = AppProcess.start(BuiltApp.WORKER, "worker-bad", args);
            assertThat(bad.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(bad.process.exitValue()).isEqualTo(2);
            assertThat(bad.logTail()).contains("--queue");
        }
    }

    @Test
    void sigtermStopsAWorkerWithinItsDrainBound() throws Exception {
        AppProcess extra = AppProcess.start(BuiltApp.WORKER, "worker-extra", "--queue=normal").awaitReady();
        extra.process.destroy(); // SIGTERM
        assertThat(extra.process.waitFor(25, TimeUnit.SECONDS)).as("exited within the 20 s drain bound").isTrue();
        assertThat(extra.logTail()).contains("Stopping: finishing the batches in progress");
    }
}
