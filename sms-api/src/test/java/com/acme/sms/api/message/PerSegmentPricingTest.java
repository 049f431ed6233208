package com.acme.sms.api.message;

import static com.acme.sms.api.Stores.creditedClient;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A message costs one credit per SMS part (sms.billing.per-segment, on by default): what the preview says, what is
 * charged, what the queue entry carries for a refund, and what reconciliation counts as queued all agree.
 */
@QuarkusTest
class PerSegmentPricingTest {

    static final String CYRILLIC = "\u0416"; // outside GSM 03.38: the text goes as UCS-2
    static final String EMOJI = "\uD83D\uDE00"; // one code point, a surrogate pair: two UCS-2 units

    @Inject
    Stores stores;

    @ParameterizedTest(name = "{0} x {1} = {2} credits")
    @CsvSource({
        "a, 160, 1", "a, 161, 2", "a, 306, 2", "a, 307, 3", "a, 459, 3", "a, 460, 4",
        "€, 80, 1", "€, 81, 2", // an extension character takes two GSM units
        "Ж, 70, 1", "Ж, 71, 2", "Ж, 134, 2", "Ж, 135, 3",
        "😀, 35, 1", "😀, 36, 2", "😀, 66, 2", "😀, 67, 3"}) // 33 to a part: a pair is never split
    void aMessageCostsOneCreditPerPartAsThePreviewSays(String unit, int times, int credits) {
        String content = unit.repeat(times);
        String client = creditedClient(10);
        given().header("X-Client-ID", client).contentType("application/json").body(Map.of("content", content))
                .when().post("/api/messages/preview").then().statusCode(200).body("segments", equalTo(credits));

        send(client, List.of(content)).then().statusCode(202)
                .body("accepted", equalTo(1)).body("charged", equalTo(credits)).body("balance", equalTo(10 - credits))
                .body("results[0].credits", equalTo(credits));
        assertThat(stores.balanceKey(client)).isEqualTo(Integer.toString(10 - credits));
        Map<String, String> entry = stores.queued(MessageType.NORMAL, client).get(0).payload();
        if (credits == 1) {
            assertThat(entry).doesNotContainKey("u");
        } else {
            assertThat(entry).containsEntry("u", Integer.toString(credits));
        }
    }

    @Test
    void theBalanceTakesWholeMessagesInOrderAndStopsAtTheFirstItCannotCover() {
        String client = creditedClient(4);
        String two = "a".repeat(200);
        String three = "a".repeat(400);
        // 2 fit; 3 more do not (2 left), and the 1-credit message after it is refused too, not sent in its place.
        send(client, List.of(two, three, "short")).then().statusCode(202)
                .body("accepted", equalTo(1)).body("charged", equalTo(2)).body("balance", equalTo(2))
                .body("results.status", contains("queued", "rejected", "rejected"))
                .body("results.reason", contains(null, "insufficient_credit", "insufficient_credit"));
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(1);

        // Nothing fits: 402, nothing charged.
        send(client, List.of(three)).then().statusCode(402).body("code", equalTo("insufficient-credit"));
        assertThat(stores.balanceKey(client)).isEqualTo("2");
        send(client, List.of(two)).then().statusCode(202).body("balance", equalTo(0));
        assertThat(stores.balanceKeyExists(client)).isFalse();
    }

    @Test
    void reconciliationCountsTheCreditsOfQueuedMessages() {
        String client = creditedClient(10);
        send(client, List.of("a".repeat(200), "Ж".repeat(71), "short")).then().statusCode(202).body("charged", equalTo(5));
        given().header("X-Admin-Key", "test-admin-key").queryParam("client", client).when().get("/api/admin/reconciliation")
                .then().statusCode(200).body("clients_with_drift", equalTo(0));
        given().header("X-Admin-Key", "test-admin-key").queryParam("client", client).queryParam("all", true)
                .when().get("/api/admin/reconciliation")
                .then().statusCode(200).body("clients[0].queued", equalTo(5)).body("clients[0].live_balance", equalTo(5))
                .body("clients[0].drift", equalTo(0));
    }

    @Test
    void aRequeuedDeadLetterIsChargedWhatTheOriginalWasAndNotSentToAnOptedOutNumber() {
        String client = creditedClient(5);
        String entry = stores.redis().stream(String.class).xadd(RedisKeys.deadLetterKey(MessageType.NORMAL), Map.of(
                "id", "0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", "c", client, "to", "+4917012345", "f", "App",
                "b", "a".repeat(400), "q", "1", "u", "3", "reason", "delivered 6 times without finishing", "entry", "1-0"));
        given().header("X-Admin-Key", "test-admin-key").when().post("/api/admin/dead-letters/normal/" + entry + "/requeue")
                .then().statusCode(202);
        assertThat(stores.balanceKey(client)).isEqualTo("2");
        assertThat(stores.queued(MessageType.NORMAL, client)).singleElement()
                .satisfies(m -> assertThat(m.payload()).containsEntry("u", "3"));

        String other = stores.redis().stream(String.class).xadd(RedisKeys.deadLetterKey(MessageType.NORMAL), Map.of(
                "id", "0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6c", "c", client, "to", "+4917098765", "f", "App",
                "b", "hello", "q", "1", "reason", "delivered 6 times without finishing", "entry", "2-0"));
        given().header("X-Client-ID", client).urlEncodingEnabled(false).when().put("/api/opt-outs/+4917098765")
                .then().statusCode(201);
        given().header("X-Admin-Key", "test-admin-key").when().post("/api/admin/dead-letters/normal/" + other + "/requeue")
                .then().statusCode(422).body("code", equalTo("not-requeuable"));
        assertThat(stores.balanceKey(client)).isEqualTo("2");
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(1);
    }

    static Response send(String client, List<String> contents) {
        List<String> messages = new ArrayList<>();
        for (String c : contents) {
            messages.add("{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"" + c + "\"}");
        }
        return given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"messages\": [" + String.join(", ", messages) + "]}").when().post("/api/messages/bulk/send");
    }
}
