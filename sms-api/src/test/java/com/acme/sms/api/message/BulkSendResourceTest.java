package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
class BulkSendResourceTest {

    static final String OTP = "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"Your OTP code is 1234\"}";
    static final String WELCOME = "{\"to\": \"+4917098765\", \"from\": \"App\", \"content\": \"Welcome to the system\"}";

    @Inject
    Stores stores;

    @Test
    void theSpecificationsExampleIsAcceptedChargedAndQueuedAsExpress() {
        String client = credited(10);
        ExtractableResponse<Response> r = send(client, "express", "{\"messages\": [" + OTP + ", " + WELCOME + "]}")
                .then().statusCode(202)
                .body("type", equalTo("express"))
                .body("accepted", equalTo(2))
                .body("rejected", equalTo(0))
                .body("balance", equalTo(8))
                .body("results", hasSize(2))
                .body("results[0].status", equalTo("queued"))
                .body("results[0].id", notNullValue())
                .extract();

        assertThat(stores.balanceKey(client)).isEqualTo("8");
        List<StreamMessage<String, String, String>> queued = stores.queued(MessageType.EXPRESS, client);
        assertThat(queued).hasSize(2);
        assertThat(queued.get(0).payload())
                .containsEntry("id", r.path("results[0].id"))
                .containsEntry("to", "+4917012345")
                .containsEntry("f", "App")
                .containsEntry("b", "Your OTP code is 1234")
                .containsKey("q");
        assertThat(queued.get(1).payload()).containsEntry("id", r.path("results[1].id"));
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
        // ids are time-ordered UUIDs (version 7)
        assertThat(UUID.fromString(r.path("results[0].id")).version()).isEqualTo(7);
    }

    @Test
    void typeHeaderIsCaseInsensitiveAndDefaultsToNormal() {
        String client = credited(10);
        send(client, "EXPRESS", "{\"messages\": [" + OTP + "]}").then().statusCode(202).body("type", equalTo("express"));
        send(client, "Normal", "{\"messages\": [" + OTP + "]}").then().statusCode(202).body("type", equalTo("normal"));
        given().header("X-Client-ID", client).contentType("application/json").body("{\"messages\": [" + OTP + "]}")
                .when().post("/api/messages/bulk/send")
                .then().statusCode(202).body("type", equalTo("normal"));
        assertThat(stores.queued(MessageType.EXPRESS, client)).hasSize(1);
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(2);
    }

    @Test
    void beyondTheBalanceTheRequestIsAcceptedInPartInRequestOrderAndTheKeyIsDeletedAtZero() {
        String client = credited(2);
        send(client, "normal", "{\"messages\": [" + OTP + ", " + WELCOME + ", " + OTP + "]}")
                .then().statusCode(202)
                .body("accepted", equalTo(2))
                .body("rejected", equalTo(1))
                .body("balance", equalTo(0))
                .body("results[0].status", equalTo("queued"))
                .body("results[1].status", equalTo("queued"))
                .body("results[2].status", equalTo("rejected"))
                .body("results[2].reason", equalTo("insufficient_credit"))
                .body("results[2].id", nullValue());
        assertThat(stores.balanceKeyExists(client)).isFalse();
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(2);

        // nothing left: 402, with each message's fate, and nothing queued
        send(client, "normal", "{\"messages\": [" + OTP + "]}")
                .then().statusCode(402)
                .contentType("application/problem+json")
                .body("code", equalTo("insufficient-credit"))
                .body("accepted", equalTo(0))
                .body("results[0].reason", equalTo("insufficient_credit"));
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(2);
        assertThat(stores.balanceKeyExists(client)).isFalse();
    }

    @Test
    void invalidMessagesAreRejectedOneByOneWhileValidOnesGoOn() {
        String client = credited(60);
        String body = "{\"messages\": ["
                + "{\"to\": \"4917012345\", \"from\": \"App\", \"content\": \"no plus\"},"
                + OTP + ","
                + "{\"to\": \"+4917012345\", \"from\": \"TooLongSender\", \"content\": \"x\"},"
                + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"\"},"
                + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"" + "x".repeat(1601) + "\"},"
                + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"nul \\u0000 inside\"},"
                + "null,"
                + "{\"to\": \"+1234567\", \"from\": \"App\", \"content\": \"7 digits\"},"
                + "{\"to\": \"+1234567890123456\", \"from\": \"App\", \"content\": \"16 digits\"},"
                + "{\"to\": \"+4917012345\", \"from\": \"+4917098765\", \"content\": \"from a number, \\ud83d\\ude00 ok\"},"
                + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"" + "\\ud83d\\ude00".repeat(1600) + "\"}"
                + "]}";
        send(client, "normal", body)
                .then().statusCode(202)
                .body("accepted", equalTo(3))
                .body("rejected", equalTo(8))
                .body("results[0].reason", equalTo("invalid_to"))
                .body("results[1].status", equalTo("queued"))
                .body("results[2].reason", equalTo("invalid_from"))
                .body("results[3].reason", equalTo("invalid_content"))
                .body("results[4].reason", equalTo("invalid_content"))
                .body("results[5].reason", equalTo("invalid_content"))
                .body("results[6].reason", equalTo("invalid_message"))
                .body("results[7].reason", equalTo("invalid_to"))
                .body("results[8].reason", equalTo("invalid_to"))
                .body("results[9].status", equalTo("queued"))
                .body("results[10].status", equalTo("queued"))
                // 1,600 emoji: 33 to a UCS-2 part (a surrogate pair is never split), so 49 parts, 49 credits
                .body("results[10].credits", equalTo(49))
                .body("charged", equalTo(51));
        assertThat(stores.balanceKey(client)).isEqualTo("9");
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(3);
    }

    @Test
    void allInvalidIs422AndChargesNothing() {
        String client = credited(5);
        send(client, "normal", "{\"messages\": [{\"to\": \"bad\", \"from\": \"App\", \"content\": \"x\"}]}")
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("no-valid-messages"))
                .body("results[0].reason", equalTo("invalid_to"));
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"messages\": []}",
        "{\"messages\": null}",
        "{\"messages\": \"hello\"}",
        "{\"messages\": [{\"to\": 4917012345, \"from\": \"App\", \"content\": \"x\"}]}",
        "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": [\"x\"]}]}",
        "{\"messages\": [" + OTP + "]",
        "{\"messages\": [" + OTP + "], \"messages\": []}",
        "not json at all",
        "[]"
    })
    void malformedBodiesAre400AndChargeNothing(String body) {
        String client = credited(5);
        send(client, "normal", body).then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400));
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
    }

    @Test
    void tooManyMessagesIs400AndChargesNothing() {
        String client = credited(5000);
        String body = "{\"messages\": [" + String.join(",", java.util.Collections.nCopies(1001, OTP)) + "]}";
        send(client, "normal", body).then().statusCode(400).body("code", equalTo("too-many-messages"));
        assertThat(stores.balanceKey(client)).isEqualTo("5000");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();

        String max = "{\"messages\": [" + String.join(",", java.util.Collections.nCopies(1000, OTP)) + "]}";
        send(client, "normal", max).then().statusCode(202).body("accepted", equalTo(1000));
    }

    @Test
    void hugeBodyIs413BeforeItIsRead() throws Exception {
        String client = credited(5);
        // A raw request announcing 9 MiB: the server must refuse it from the headers alone.
        URI uri = URI.create(RestAssured.baseURI);
        try (Socket socket = new Socket(uri.getHost(), RestAssured.port)) {
            socket.setSoTimeout(10_000);
            String head = "POST /api/messages/bulk/send HTTP/1.1\r\nHost: localhost\r\nX-Client-ID: " + client
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + (9 * 1024 * 1024) + "\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write("{\"messages\": [".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // The server closes the connection after its answer, so reading to the end gives the whole answer.
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413");
            // The same problem+json as every other refusal, not an empty body.
            assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json")
                    .contains("\"code\":\"body-too-large\"").contains("\"status\":413");
        }
        assertThat(stores.balanceKey(client)).isEqualTo("5");
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"urgent", "normal,express", "exp ress"})
    void unknownTypeHeaderIs400AndChargesNothing(String type) {
        String client = credited(5);
        send(client, type, "{\"messages\": [" + OTP + "]}")
                .then().statusCode(400).body("code", equalTo("invalid-sms-type"));
        assertThat(stores.balanceKey(client)).isEqualTo("5");
    }

    @Test
    void missingClientHeaderIs400() {
        given().header("X-SMS-TYPE", "express").contentType("application/json").body("{\"messages\": [" + OTP + "]}")
                .when().post("/api/messages/bulk/send")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("missing-client-id"));
    }

    @Test
    void hostileStringsAreStoredAsPlainData() {
        String client = credited(1);
        String content = "'; DROP TABLE messages; -- redis.call('FLUSHALL') ]] \\\" {x}";
        send(client, "normal",
                "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"" + content + "\"}]}")
                .then().statusCode(202).body("accepted", equalTo(1));
        assertThat(stores.queued(MessageType.NORMAL, client).get(0).payload().get("b"))
                .isEqualTo("'; DROP TABLE messages; -- redis.call('FLUSHALL') ]] \" {x}");
    }

    private String credited(int credit) {
        return Stores.creditedClient(credit);
    }

    static Response send(String client, String type, String body) {
        return given().header("X-Client-ID", client).header("X-SMS-TYPE", type).contentType("application/json").body(body)
                .when().post("/api/messages/bulk/send");
    }
}
