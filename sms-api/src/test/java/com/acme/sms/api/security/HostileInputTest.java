package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.api.RawHttp;
import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile headers, query strings and values, by example (HostileRequestsTest throws random ones). Whatever the
 * request, nothing of the client changes.
 */
@QuarkusTest
class HostileInputTest {

    static final String ONE = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"hi\"}]}";

    @Inject
    Stores stores;

    String client;
    String before;

    @BeforeEach
    void client() {
        client = Stores.newClient();
        given().header("X-Client-ID", client).contentType("application/json").body("{\"name\": \"Before\", \"balance\": 10}")
                .when().post("/api/credit/increase").then().statusCode(200);
        before = stores.footprint(client);
    }

    void assertUnchanged() {
        assertThat(stores.footprint(client)).isEqualTo(before);
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
        assertThat(stores.queued(MessageType.EXPRESS, client)).isEmpty();
    }

    RawHttp.Response raw(String method, String target, String body, String... headers) throws Exception {
        List<RawHttp.Header> list = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            list.add(new RawHttp.Header(headers[i], headers[i + 1]));
        }
        return RawHttp.send(RestAssured.port, new RawHttp.Request(method, target, list,
                body == null ? null : body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void controlCharactersInAHeaderNeverReachTheApi() throws Exception {
        // The HTTP layer (Netty) refuses them with a bare 400 and closes the connection; the API's own rule
        // (RequestRules) would answer a problem if a proxy or another server ever let one through.
        for (String control : new String[] {"\u0000", "\u0001", "\u001b", "\u007f", "\u000b"}) {
            for (String header : new String[] {"X-Client-ID", "X-SMS-TYPE", "Idempotency-Key", "User-Agent"}) {
                String value = header.equals("X-Client-ID") ? client + control : "normal" + control;
                List<String> headers = new ArrayList<>(List.of("Content-Type", "application/json", header, value));
                if (!header.equals("X-Client-ID")) {
                    headers.addAll(List.of("X-Client-ID", client));
                }
                RawHttp.Response r = raw("POST", "/api/messages/bulk/send", ONE, headers.toArray(String[]::new));
                assertThat(r.status()).as(header + " with U+%04X", (int) control.charAt(0)).isEqualTo(400);
            }
        }
        assertUnchanged();
    }

    @Test
    void anOverlongHeaderIsAProblem() throws Exception {
        for (String header : new String[] {"X-Anything", "Authorization", "Idempotency-Key"}) {
            RawHttp.Response r = raw("POST", "/api/messages/bulk/send", ONE, "Content-Type", "application/json",
                    "X-Client-ID", client, header, "v".repeat(9000));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.body()).contains("\"code\":\"invalid-header\"");
        }
        assertUnchanged();
    }

    @Test
    void requestsBeyondTheServersLimitsAreRefusedByTheHttpLayer() throws Exception {
        // headers above 20 KiB in all, a request line above 4 KiB: refused before the API reads anything
        assertThat(raw("GET", "/api/credit", null, "X-Client-ID", client, "X-A", "a".repeat(15_000), "X-B", "b".repeat(15_000))
                .status()).isEqualTo(431);
        assertThat(raw("GET", "/api/messages/sent-log?q=" + "x".repeat(5000), null, "X-Client-ID", client).status())
                .isEqualTo(414);
        assertUnchanged();
    }

    @Test
    void aRepeatedIdentityOrMeaningfulHeaderIsRefused() throws Exception {
        String[][] cases = {
            {"X-Client-ID", client, "X-Client-ID", client},
            {"X-Client-ID", client, "x-client-id", "someone-else"},
            {"X-Client-ID", client, "X-SMS-TYPE", "normal", "X-SMS-TYPE", "express"},
            {"X-Client-ID", client, "Idempotency-Key", "a", "Idempotency-Key", "b"},
            {"X-Client-ID", client, "Authorization", "Bearer a.b.c", "Authorization", "Bearer d.e.f"},
        };
        for (String[] headers : cases) {
            List<String> all = new ArrayList<>(List.of("Content-Type", "application/json"));
            all.addAll(List.of(headers));
            RawHttp.Response r = raw("POST", "/api/messages/bulk/send", ONE, all.toArray(String[]::new));
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.body()).contains("\"code\":\"duplicate-header\"");
        }
        assertUnchanged();
    }

    @Test
    void hostileQueryStringsAreProblems() throws Exception {
        for (String query : new String[] {"page=1&page=2", "page_size=%01", "anything=%7F", "q=%C2%85",
            "status=" + "s".repeat(300),
            "x=" + "y".repeat(2100)}) {
            RawHttp.Response r = raw("GET", "/api/messages/sent-log?" + query, null, "X-Client-ID", client);
            assertThat(r.status()).as(query).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.body()).contains("\"code\":\"invalid-parameter\"");
        }
        // broken percent-encoding is refused by the HTTP layer itself
        assertThat(raw("GET", "/api/messages/sent-log?page=%zz", null, "X-Client-ID", client).status()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"'; DROP TABLE credits; --", "' OR '1'='1", "1 OR 1=1", "redis.call('FLUSHALL')",
        "]] .. redis.call('DEL', KEYS[1]) .. [[", "a}b{c", "$(reboot)", "..%2F..%2Fcredit", "*", "%25", "normal;express"})
    void sqlAndLuaMetacharactersAreRefusedWhereverAValueIsInterpreted(String payload) {
        List<Response> answers = new ArrayList<>();
        answers.add(given().header("X-Client-ID", payload).when().get("/api/credit"));
        answers.add(
                given().header("X-Client-ID", client).header("X-SMS-TYPE", payload).contentType("application/json").body(ONE)
                        .when().post("/api/messages/bulk/send"));
        answers.add(given().header("X-Client-ID", client).header("Idempotency-Key", payload).contentType("application/json")
                .body(ONE).when().post("/api/messages/bulk/send"));
        for (String parameter : new String[] {"status", "type", "from_date", "to_date", "page", "page_size"}) {
            answers.add(
                    given().header("X-Client-ID", client).queryParam(parameter, payload).when().get("/api/messages/sent-log"));
        }
        answers.add(given().header("X-Client-ID", client).when().get("/api/messages/{id}", payload));
        answers.add(given().header("X-Admin-Key", "test-admin-key").queryParam("client", payload).when()
                .get("/api/admin/reconciliation"));
        answers.add(given().header("X-Admin-Key", "test-admin-key").queryParam("count", payload).when()
                .get("/api/admin/dead-letters"));
        answers.add(given().header("X-Admin-Key", "test-admin-key").queryParam("type", payload).when()
                .get("/api/admin/dead-letters"));
        answers.add(given().header("X-Admin-Key", "test-admin-key").when().delete("/api/admin/dead-letters/normal/{entry}",
                payload));
        answers.add(given().header("X-Admin-Key", "test-admin-key").when().post("/api/admin/dead-letters/{type}/1-0/requeue",
                payload));
        for (Response r : answers) {
            assertThat(r.statusCode()).isBetween(400, 499);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
        assertUnchanged();
        // and the tables are all still there
        assertThat(stores.count("SELECT count(*) FROM credits WHERE client_id = ?", client)).isEqualTo(1);
    }
}
