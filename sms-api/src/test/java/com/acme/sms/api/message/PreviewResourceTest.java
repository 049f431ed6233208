package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import com.acme.sms.text.SmsText;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** POST /api/messages/preview: what a text will take, as a sender checks before sending; charges nothing. */
@QuarkusTest
class PreviewResourceTest {

    @Inject
    Stores stores;

    private static ValidatableResponse preview(String client, String content) {
        return given().header("X-Client-ID", client).contentType("application/json")
                .body(content == null ? Map.of() : Map.of("content", content))
                .when().post("/api/messages/preview").then();
    }

    @ParameterizedTest(name = "{0} x ''{1}'': {2} {3} part(s) of {4}, {5} left")
    @CsvSource({
        "160, a, GSM7, 1, 160, 0",
        "161, a, GSM7, 2, 153, 145",
        "306, a, GSM7, 2, 153, 0",
        "307, a, GSM7, 3, 153, 152",
        "80, €, GSM7, 1, 160, 0", // the euro sign is an extension character: two septets
        // 162 septets: the first part holds 76 € (152 septets; a pair is never split), the second 5 (10 of 153)
        "81, €, GSM7, 2, 153, 143",
        "70, ж, UCS2, 1, 70, 0",
        "71, ж, UCS2, 2, 67, 63",
    })
    void countsPartsAtEveryBoundaryAsTheSmscIsSentThem(int times, String unit, String encoding, int segments,
            int perSegment, int left) {
        String content = unit.repeat(times);
        preview(Stores.newClient(), content).statusCode(200)
                .body("encoding", equalTo(encoding))
                .body("characters", equalTo(times))
                .body("segments", equalTo(segments))
                .body("per_segment", equalTo(perSegment))
                .body("left_in_last_segment", equalTo(left));
        // The parts the worker sends to the SMSC for the same text.
        assertThat(SmsText.parts(content, 1)).hasSize(segments);
    }

    @Test
    void namesTheCharactersThatForcedUcs2SoTheSenderCanReplaceThem() {
        // An emoji is one character but two UTF-16 units.
        preview(Stores.newClient(), "Hi 😀, see you at 5 ✓ 😀").statusCode(200)
                .body("encoding", equalTo("UCS2"))
                .body("characters", equalTo(22))
                .body("units", equalTo(24))
                .body("non_gsm_characters", contains("😀", "✓"));
        preview(Stores.newClient(), "Plain [GSM] text").statusCode(200)
                .body("encoding", equalTo("GSM7")).body("units", equalTo(18)).body("non_gsm_characters", empty());
    }

    @Test
    void chargesQueuesAndStoresNothing() {
        String client = Stores.creditedClient(5);
        preview(client, "Your code is 1234").statusCode(200).body("segments", equalTo(1));

        given().header("X-Client-ID", client).when().get("/api/credit").then().statusCode(200)
                .body("balance", equalTo(5));
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
        assertThat(stores.count("SELECT count(*) FROM messages WHERE client_id = ?", client)).isZero();
    }

    @ParameterizedTest
    @CsvSource(value = {"''", "NULL", "'a\u0000b'"}, nullValues = "NULL")
    void refusesContentASendWouldRefuse(String content) {
        preview(Stores.newClient(), content).statusCode(400).body("code", equalTo("invalid-content"));
    }

    @Test
    void refusesTextLongerThanAMessageMayBe() {
        preview(Stores.newClient(), "a".repeat(MessageRules.MAX_CONTENT)).statusCode(200).body("segments", equalTo(11));
        preview(Stores.newClient(), "a".repeat(MessageRules.MAX_CONTENT + 1)).statusCode(400)
                .body("code", equalTo("invalid-content"));
    }

    @Test
    void needsAClientAndJson() {
        given().contentType("application/json").body(Map.of("content", "hi")).when().post("/api/messages/preview")
                .then().statusCode(400).body("code", equalTo("missing-client-id"));
        given().header("X-Client-ID", Stores.newClient()).contentType("application/json").body("{\"content\": ")
                .when().post("/api/messages/preview").then().statusCode(400).body("code", equalTo("malformed-json"));
        given().header("X-Client-ID", Stores.newClient()).contentType("application/json").body("{\"content\": 5}")
                .when().post("/api/messages/preview").then().statusCode(400);
    }
}
