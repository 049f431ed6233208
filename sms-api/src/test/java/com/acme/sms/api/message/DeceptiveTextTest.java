package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * C1 controls (U+0080 to U+009F, such as U+009B, a terminal's CSI) are refused wherever text is taken, like the C0
 * controls before them. Bidirectional overrides and isolates, which reorder what a reader sees, are refused where
 * they can pass one party off as another (names, {@code from}) and kept in {@code content}, whose right-to-left
 * text needs them.
 */
@QuarkusTest
class DeceptiveTextTest {

    @Inject
    Stores stores;

    @ParameterizedTest
    @ValueSource(strings = {"\\u0080", "\\u009b[31m", "\\u0085", "\\u009f"})
    void aC1ControlInContentRejectsThatMessageAlone(String escaped) {
        String client = Stores.creditedClient(5);
        send(client, "{\"messages\": [" + message("App", "before " + escaped + " after") + ", "
                + message("App", "fine") + "]}")
                .then().statusCode(202)
                .body("accepted", equalTo(1))
                .body("results[0].status", equalTo("rejected"))
                .body("results[0].reason", equalTo("invalid_content"))
                .body("results[0].detail", containsString("control character (U+00"))
                .body("results[1].status", equalTo("queued"));
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(1);
    }

    @Test
    void bidirectionalControlsStayAllowedInContent() {
        String client = Stores.creditedClient(5);
        // Hebrew with an embedded left-to-right number, as a right-to-left writer's keyboard produces it
        send(client, "{\"messages\": [" + message("App", "\\u05e9\\u05dc\\u05d5\\u05dd \\u2066123\\u2069 \\u200f") + ", "
                + message("App", "\\u202eoverride\\u202c") + "]}")
                .then().statusCode(202).body("accepted", equalTo(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\\u202eppA", "Ap\\u2067p", "App\\u009b"})
    void aSenderIdWithBidiOrControlCharactersIsRejected(String from) {
        String client = Stores.creditedClient(5);
        send(client, "{\"messages\": [" + message(from, "hi") + "]}")
                .then().statusCode(422).body("results[0].reason", equalTo("invalid_from"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"Acme\\u009b", "\\u0080Acme", "Bank\\u202e", "\\u202aAcme", "\\u202dAcme",
        "Ac\\u2066me\\u2069", "\\u2068Acme", "Acme\\u2067"})
    void aNameWithC1OrBidiControlsIsRefused(String escaped) {
        String client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"" + escaped + "\", \"balance\": 5}")
                .when().post("/api/credit/increase")
                .then().statusCode(400).body("code", equalTo("invalid-name"));
        assertThat(stores.balanceKeyExists(client)).isFalse();
    }

    @Test
    void aRightToLeftNameIsFine() {
        given().header("X-Client-ID", Stores.newClient()).contentType("application/json")
                .body("{\"name\": \"\\u0634\\u0631\\u06a9\\u062a \\u200f\", \"balance\": 5}")
                .when().post("/api/credit/increase")
                .then().statusCode(200).body("name", equalTo("\u0634\u0631\u06a9\u062a \u200f"));
    }

    private static String message(String from, String content) {
        return "{\"to\": \"+4917012345\", \"from\": \"" + from + "\", \"content\": \"" + content + "\"}";
    }

    private static io.restassured.response.Response send(String client, String body) {
        return given().header("X-Client-ID", client).contentType("application/json").body(body)
                .when().post("/api/messages/bulk/send");
    }
}
