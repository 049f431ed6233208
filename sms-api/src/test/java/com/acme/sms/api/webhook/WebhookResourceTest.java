package com.acme.sms.api.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A client's status webhook through /api/webhook, with the default rules (https to public addresses only): what is
 * stored, what is never shown, what is refused without writing anything, and the failures list with re-trigger.
 */
@QuarkusTest
class WebhookResourceTest {

    static final String SECRET = "s3cret-s3cret-s3cret";
    /** A public address written as such: the test needs no DNS. */
    static final String PUBLIC_URL = "https://93.184.216.34/sms-events";

    @Inject
    Stores stores;

    @Test
    void aWebhookIsSetShownWithoutItsSecretReplacedAndRemoved() {
        String client = Stores.newClient();
        put(client, Map.of("url", PUBLIC_URL, "secret", SECRET)).then().statusCode(201)
                .body("url", equalTo(PUBLIC_URL)).body("secret_set", equalTo(true)).body("created_at", notNullValue())
                .body("$", not(org.hamcrest.Matchers.hasKey("secret")));
        Response shown = given().header("X-Client-ID", client).when().get("/api/webhook");
        shown.then().statusCode(200).body("url", equalTo(PUBLIC_URL)).body("secret_set", equalTo(true));
        assertThat(shown.asString()).doesNotContain(SECRET);

        put(client, Map.of("url", PUBLIC_URL + "/v2", "secret", SECRET + "-2")).then().statusCode(200)
                .body("url", equalTo(PUBLIC_URL + "/v2"));
        assertThat(stores.text("SELECT secret FROM webhooks WHERE client_id = ?", client)).isEqualTo(SECRET + "-2");
        // another client sees none
        given().header("X-Client-ID", Stores.newClient()).when().get("/api/webhook").then().statusCode(404)
                .body("code", equalTo("webhook-not-found"));

        given().header("X-Client-ID", client).when().delete("/api/webhook").then().statusCode(204);
        given().header("X-Client-ID", client).when().get("/api/webhook").then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("webhook-not-found"));
        given().header("X-Client-ID", client).when().delete("/api/webhook").then().statusCode(404);
        assertThat(stores.count("SELECT count(*) FROM webhooks WHERE client_id = ?", client)).isZero();
    }

    /** The SSRF door: loopback, private, link-local (the metadata service) and plain http are refused, nothing stored. */
    @Test
    void urlsToNonPublicAddressesOrNotHttpsAreRefusedAndNothingIsStored() {
        String client = Stores.newClient();
        for (String url : List.of("https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.8/hook",
                "https://192.168.0.1/", "https://169.254.169.254/latest/meta-data/", "https://[::1]/hook",
                "https://[::ffff:127.0.0.1]/hook", "https://[fd12::1]/")) {
            put(client, Map.of("url", url, "secret", SECRET)).then().statusCode(400)
                    .contentType("application/problem+json").body("code", equalTo("webhook-url-not-allowed"))
                    .body("detail", containsString("not a public address"));
        }
        put(client, Map.of("url", "http://93.184.216.34/hook", "secret", SECRET)).then().statusCode(400)
                .body("code", equalTo("webhook-url-not-allowed")).body("detail", containsString("https"));
        put(client, Map.of("url", "https://user:pw@93.184.216.34/", "secret", SECRET)).then().statusCode(400)
                .body("code", equalTo("webhook-url-not-allowed"));
        put(client, Map.of("secret", SECRET)).then().statusCode(400).body("code", equalTo("webhook-url-not-allowed"));
        put(client, Map.of("url", PUBLIC_URL, "secret", "too-short")).then().statusCode(400)
                .body("code", equalTo("invalid-webhook-secret"));
        put(client, Map.of("url", PUBLIC_URL, "secret", "x".repeat(129))).then().statusCode(400)
                .body("code", equalTo("invalid-webhook-secret"));
        put(client, Map.of("url", PUBLIC_URL)).then().statusCode(400).body("code", equalTo("invalid-webhook-secret"));
        given().header("X-Client-ID", client).contentType("application/json").body("{\"url\": 12, \"secret\": \""
                + SECRET + "\"}").when().put("/api/webhook").then().statusCode(400);
        given().header("X-Client-ID", client).contentType("application/json").when().put("/api/webhook").then()
                .statusCode(400);
        assertThat(stores.count("SELECT count(*) FROM webhooks WHERE client_id = ?", client)).isZero();
    }

    @Test
    void failedEventsArePagedByCursorAndReTriggeredOnce() {
        String client = Stores.newClient();
        put(client, Map.of("url", PUBLIC_URL, "secret", SECRET)).then().statusCode(201);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(failedEvent(client, i));
        }
        String pending = UUID.randomUUID().toString();
        stores.execute("INSERT INTO webhook_events (event_id, client_id, message_id, status, type, to_number, segments,"
                + " occurred_at, sequence) VALUES (?::uuid, ?, ?::uuid, 'sent', 'normal', '+4917012345', 1, now(), 1)",
                pending, client, UUID.randomUUID().toString());

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var request = given().header("X-Client-ID", client).queryParam("limit", 2);
            if (cursor != null) {
                request.queryParam("cursor", cursor);
            }
            Response page = request.when().get("/api/webhook/failures");
            page.then().statusCode(200);
            seen.addAll(page.jsonPath().getList("failures.id"));
            cursor = page.jsonPath().getString("next_cursor");
        } while (cursor != null);
        assertThat(seen).containsExactlyElementsOf(ids); // oldest first, the pending one not listed
        given().header("X-Client-ID", client).queryParam("limit", 1).when().get("/api/webhook/failures").then()
                .statusCode(200).body("failures", hasSize(1)).body("failures[0].last_error",
                        equalTo("the receiver answered 500"))
                .body("failures[0].attempts", equalTo(7)).body("failures[0].status", equalTo("delivered"));

        given().header("X-Client-ID", client).when().post("/api/webhook/failures/" + ids.get(0) + "/retry").then()
                .statusCode(202).body("status", equalTo("retrying"));
        assertThat(stores.count("SELECT count(*) FROM webhook_events WHERE event_id = ?::uuid AND failed_at IS NULL"
                + " AND attempts = 0 AND due_at <= now()", ids.get(0))).isOne();
        given().header("X-Client-ID", client).when().post("/api/webhook/failures/" + ids.get(0) + "/retry").then()
                .statusCode(404).body("code", equalTo("webhook-failure-not-found"));
        // another client cannot re-trigger (or learn of) this client's events
        given().header("X-Client-ID", Stores.newClient()).when().post("/api/webhook/failures/" + ids.get(1) + "/retry")
                .then().statusCode(404);
        given().header("X-Client-ID", client).when().post("/api/webhook/failures/not-a-uuid/retry").then().statusCode(400)
                .body("code", equalTo("invalid-id"));
        given().header("X-Client-ID", client).queryParam("cursor", "garbage").when().get("/api/webhook/failures").then()
                .statusCode(400).body("code", equalTo("invalid-cursor"));
        given().header("X-Client-ID", client).queryParam("limit", 0).when().get("/api/webhook/failures").then()
                .statusCode(400).body("code", equalTo("invalid-parameter"));

        // removing the webhook drops its events, failed ones included
        given().header("X-Client-ID", client).when().delete("/api/webhook").then().statusCode(204);
        assertThat(stores.count("SELECT count(*) FROM webhook_events WHERE client_id = ?", client)).isZero();
        given().header("X-Client-ID", client).when().get("/api/webhook/failures").then().statusCode(200)
                .body("failures", hasSize(0)).body("next_cursor", nullValue());
    }

    private String failedEvent(String client, int i) {
        String id = UUID.randomUUID().toString();
        stores.execute("INSERT INTO webhook_events (event_id, client_id, message_id, status, type, to_number, segments,"
                + " occurred_at, sequence, attempts, last_error, failed_at) VALUES (?::uuid, ?, ?::uuid, 'delivered',"
                + " 'normal', '+4917012345', 1, now() - make_interval(mins => ?), 2, 7, 'the receiver answered 500', now())",
                id, client, UUID.randomUUID().toString(), 100 - i);
        return id;
    }

    private static Response put(String client, Map<String, String> body) {
        return given().header("X-Client-ID", client).contentType("application/json").body(body).when()
                .put("/api/webhook");
    }
}
