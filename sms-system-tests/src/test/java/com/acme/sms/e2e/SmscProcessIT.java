package com.acme.sms.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.Repository;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the README tells a user to run: {@code bin/smsc} as a program of its own, and workers with
 * {@code SMS_PROVIDER_KIND=smpp} pointed at it. A message goes from queued to delivered, one to a phone that is off to
 * undelivered, and the simulator's control port drops the sessions, which the worker binds again.
 */
class SmscProcessIT {

    static Platform platform;
    static AppProcess api;
    static AppProcess smsc;
    static int smppPort;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.shared();
        platform.cleanQueues();
        api = platform.api();
        smppPort = SmppIT.freePort();
        int control = SmppIT.freePort();
        smsc = AppProcess.program("smsc", control, List.of(Repository.ROOT.resolve("bin/smsc").toString(), "--port",
                Integer.toString(smppPort), "--control-port", Integer.toString(control), "--system-id", "smsc",
                "--password", "secret", "--receipt-delay", "300", "--undelivered-prefix", "+4477001"))
                .awaitHttp("/stats", Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        platform.close();
        if (smsc != null) {
            smsc.process.destroy();
            smsc.process.waitFor();
        }
    }

    @Test
    void aWorkerOverSmppTakesMessagesFromQueuedToDeliveredOrUndelivered() throws Exception {
        AppProcess worker = platform.worker("normal", SmppIT.smpp(smppPort, "secret")).awaitReady();
        String client = platform.newClient(api, 10);
        List<String> ids = given().port(api.port).header("X-Client-ID", client).header("X-SMS-TYPE", "normal")
                .contentType("application/json")
                .body("{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"Shop\", \"content\": \"Your parcel "
                        + "arrives today between 10:00 and 12:00 € " + "x".repeat(120) + "\"},"
                        + "{\"to\": \"+447700100001\", \"from\": \"Shop\", \"content\": \"to a phone that is off\"}]}")
                .post("/api/messages/bulk/send").then().statusCode(202).body("accepted", equalTo(2)).extract()
                .path("results.id");
        String first = ids.get(0);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().port(api.port)
                .header("X-Client-ID", client).get("/api/messages/" + first).then().statusCode(200)
                .body("status", equalTo("delivered")).body("segments", equalTo(2)).body("credits", equalTo(2)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().port(api.port)
                .header("X-Client-ID", client).queryParam("status", "undelivered").get("/api/messages/sent-log")
                .then().body("total", equalTo(1)).body("messages[0].error_code", equalTo("001")));
        // One credit per SMS part: 2 for the first, 1 for the second; undelivered is not refunded (it was sent).
        given().port(api.port).header("X-Client-ID", client).get("/api/credit").then().body("balance", equalTo(7));

        JsonPath stats = JsonPath.from(given().port(smsc.port).get("/stats").asString());
        assertThat(stats.getInt("parts")).as("two parts and one").isEqualTo(3);
        assertThat(stats.getInt("messages")).isEqualTo(2);

        // The SMSC drops every session: the worker binds again and goes on sending.
        given().port(smsc.port).post("/drop").then().statusCode(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> JsonPath
                .from(given().port(smsc.port).get("/stats").asString()).getInt("sessions_bound") == 2);
        given().port(api.port).header("X-Client-ID", client).header("X-SMS-TYPE", "normal").contentType("application/json")
                .body("{\"messages\": [{\"to\": \"+4917012346\", \"from\": \"Shop\", \"content\": \"after the drop\"}]}")
                .post("/api/messages/bulk/send").then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().port(api.port)
                .header("X-Client-ID", client).queryParam("status", "delivered").get("/api/messages/sent-log")
                .then().body("total", equalTo(2)));
        worker.process.destroy();
        assertThat(worker.process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> JsonPath
                .from(given().port(smsc.port).get("/stats").asString()).getInt("sessions_bound") == 0);
    }
}
