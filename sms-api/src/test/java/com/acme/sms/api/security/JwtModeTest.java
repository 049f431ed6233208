package com.acme.sms.api.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.acme.sms.api.Management;
import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Jwt mode: only a valid bearer token identifies a caller; adding credit and admin endpoints need the admin role. */
@QuarkusTest
@TestProfile(JwtMode.class)
class JwtModeTest {

    static final String ONE = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"hi\"}]}";

    @Inject
    Stores stores;

    @Test
    void withoutATokenEveryApiCallIs401EvenWithTheHeadersHeaderModeTrusts() {
        String client = credited(5);
        String before = stores.footprint(client);
        for (RequestSpecification request : List.of(
                given().header("X-Client-ID", client).header("X-Admin-Key", "test-admin-key"),
                given().header("X-Client-ID", client).header("X-Admin-Key", "test-admin-key").header("Authorization",
                        "Bearer"))) {
            request.contentType("application/json").body("{\"balance\": 100}")
                    .when().post("/api/credit/increase")
                    .then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", startsWith("Bearer"));
        }
        given().header("X-Client-ID", client).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send").then().statusCode(401).body("code", equalTo("missing-token"));
        given().header("X-Client-ID", client).when().get("/api/credit").then().statusCode(401).body("code",
                equalTo("missing-token"));
        given().header("X-Client-ID", client).when().get("/api/messages/sent-log").then().statusCode(401);
        given().header("X-Client-ID", client).when().get("/api/messages/" + java.util.UUID.randomUUID()).then().statusCode(401);
        given().header("X-Admin-Key", "test-admin-key").when().get("/api/admin/reconciliation")
                .then().statusCode(401).contentType("application/problem+json");
        given().header("X-Admin-Key", "test-admin-key").when().post("/api/admin/reconciliation/rebuild").then().statusCode(401);
        assertThat(stores.footprint(client)).isEqualTo(before);
        assertThat(stores.queued(MessageType.NORMAL, client)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"expired", "wrong-issuer", "wrongly-signed", "unsigned", "tampered", "bad-subject", "garbage",
        "basic", "two-tokens"})
    void invalidTokensAre401AndChangeNothing(String kind) {
        String victim = credited(5);
        String before = stores.footprint(victim);
        String authorization = switch (kind) {
            case "expired" -> Tokens.bearer(Tokens.expired(victim));
            case "wrong-issuer" -> Tokens.bearer(Tokens.wrongIssuer(victim));
            case "wrongly-signed" -> Tokens.bearer(Tokens.wronglySigned(victim));
            case "unsigned" -> Tokens.bearer(Tokens.unsigned(victim));
            case "tampered" -> Tokens.bearer(Tokens.tampered(Stores.newClient(), victim));
            case "bad-subject" -> Tokens.bearer(Tokens.badSubject());
            case "garbage" -> "Bearer abc.def.ghi";
            case "basic" ->
                "Basic " + Base64.getEncoder().encodeToString((victim + ":secret").getBytes(StandardCharsets.UTF_8));
            case "two-tokens" -> Tokens.bearer(Tokens.admin("ops")) + " " + Tokens.admin("ops");
            default -> throw new IllegalArgumentException(kind);
        };
        given().header("Authorization", authorization).header("X-Client-ID", victim).contentType("application/json")
                .body("{\"balance\": 100}")
                .when().post("/api/credit/increase")
                .then().statusCode(401).contentType("application/problem+json")
                .body("code", equalTo("invalid-token"))
                .body("status", equalTo(401))
                .header("WWW-Authenticate", containsString("invalid_token"));
        given().header("Authorization", authorization).header("X-Client-ID", victim).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send").then().statusCode(401).body("code", equalTo("invalid-token"));
        given().header("Authorization", authorization).when().get("/api/credit").then().statusCode(401);
        given().header("Authorization", authorization).when().post("/api/admin/reconciliation/rebuild").then().statusCode(401);
        assertThat(stores.footprint(victim)).isEqualTo(before);
        assertThat(stores.queued(MessageType.NORMAL, victim)).isEmpty();
    }

    @Test
    void anExpiredTokenSaysSo() {
        given().header("Authorization", Tokens.bearer(Tokens.expired("acme"))).when().get("/api/credit")
                .then().statusCode(401).body("detail", containsString("expired"));
    }

    @Test
    void aClientTokenActsAsItsSubjectAndXClientIdMayOnlyRepeatIt() {
        String client = credited(7);
        String other = credited(3);
        String token = Tokens.client(client);
        given().auth().oauth2(token).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(client)).body("balance", equalTo(7));
        given().auth().oauth2(token).header("X-Client-ID", client).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(client));
        given().auth().oauth2(token).header("X-Client-ID", other).when().get("/api/credit")
                .then().statusCode(403).contentType("application/problem+json").body("code", equalTo("client-mismatch"));
        given().auth().oauth2(token).header("X-Client-ID", other).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send").then().statusCode(403).body("code", equalTo("client-mismatch"));
        given().auth().oauth2(token).contentType("application/json").body(ONE)
                .when().post("/api/messages/bulk/send").then().statusCode(202).body("balance", equalTo(6));
        assertThat(stores.balanceKey(other)).isEqualTo("3");
        assertThat(stores.queued(MessageType.NORMAL, other)).isEmpty();
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(1);
    }

    @Test
    void aClientTokenCanNeverAddCreditNotEvenToItself() {
        String client = credited(5);
        String before = stores.footprint(client);
        String token = Tokens.client(client);
        for (RequestSpecification request : List.of(
                given().auth().oauth2(token),
                given().auth().oauth2(token).header("X-Client-ID", client),
                given().auth().oauth2(token).header("X-Client-ID", Stores.newClient()))) {
            request.contentType("application/json").body("{\"balance\": 1000}")
                    .when().post("/api/credit/increase")
                    .then().statusCode(403).contentType("application/problem+json").body("code", equalTo("not-admin"));
        }
        assertThat(stores.footprint(client)).isEqualTo(before);
    }

    @Test
    void anAdminAddsCreditToTheClientItNamesAndTheLedgerRecordsTheAdmin() {
        String client = Stores.newClient();
        String admin = Tokens.admin("ops-alice");
        given().auth().oauth2(admin).contentType("application/json").body("{\"balance\": 10}")
                .when().post("/api/credit/increase")
                .then().statusCode(400).body("code", equalTo("missing-client-id"));
        given().auth().oauth2(admin).header("X-Client-ID", "{bad id}").contentType("application/json").body("{\"balance\": 10}")
                .when().post("/api/credit/increase")
                .then().statusCode(400).body("code", equalTo("invalid-client-id"));
        assertThat(stores.count("SELECT count(*) FROM credits WHERE client_id = 'ops-alice'")).isZero();

        given().auth().oauth2(admin).header("X-Client-ID", client).contentType("application/json")
                .body("{\"name\": \"Acme\", \"balance\": 10}")
                .when().post("/api/credit/increase?create=true")
                .then().statusCode(200).body("client_id", equalTo(client)).body("balance", equalTo(10))
                .body("added", equalTo(10));
        assertThat(stores.balanceKey(client)).isEqualTo("10");
        assertThat(stores.text("SELECT created_by FROM credit_ledger WHERE client_id = ?", client)).isEqualTo("ops-alice");
        given().auth().oauth2(Tokens.client(client)).when().get("/api/credit")
                .then().statusCode(200).body("balance", equalTo(10)).body("name", equalTo("Acme"));
    }

    @Test
    void adminEndpointsNeedTheAdminRoleAndIgnoreTheAdminKey() {
        String client = Stores.newClient();
        given().auth().oauth2(Tokens.client(client)).header("X-Admin-Key", "test-admin-key")
                .when().get("/api/admin/dead-letters")
                .then().statusCode(403).contentType("application/problem+json").body("code", equalTo("not-admin"));
        given().auth().oauth2(Tokens.client(client)).when().post("/api/admin/reconciliation/rebuild")
                .then().statusCode(403);
        given().auth().oauth2(Tokens.admin("ops")).when().get("/api/admin/dead-letters").then().statusCode(200);
        given().auth().oauth2(Tokens.admin("ops")).queryParam("client", client).when().get("/api/admin/reconciliation")
                .then().statusCode(200);
    }

    @Test
    void healthMetricsAndOpenApiStayOpenOnTheManagementPort() {
        Management.given().when().get("/q/health/ready").then().statusCode(200);
        Management.given().when().get("/q/health/live").then().statusCode(200);
        Management.given().when().get("/q/metrics").then().statusCode(200);
        Management.given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"));
    }

    @Test
    void tokensMintedByBinTokenAreAccepted() throws Exception {
        String client = credited(4);
        String clientToken = binToken("client", client);
        given().auth().oauth2(clientToken).when().get("/api/credit")
                .then().statusCode(200).body("client_id", equalTo(client)).body("balance", equalTo(4));
        given().auth().oauth2(clientToken).header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": 1}")
                .when().post("/api/credit/increase").then().statusCode(403);
        String adminToken = binToken("admin", "ops-bin", "--ttl", "5m");
        given().auth().oauth2(adminToken).header("X-Client-ID", client).contentType("application/json").body("{\"balance\": 1}")
                .when().post("/api/credit/increase").then().statusCode(200).body("balance", equalTo(5));
        assertThat(stores.text("SELECT created_by FROM credit_ledger WHERE client_id = ? ORDER BY id DESC LIMIT 1", client))
                .isEqualTo("ops-bin");
    }

    /** Runs bin/token with the test key pair, so that its tokens are signed by the key this profile trusts. */
    static String binToken(String... args) throws IOException, InterruptedException {
        Path module = Path.of("").toAbsolutePath();
        List<String> command = new java.util.ArrayList<>(
                List.of("bash", module.resolve("../bin/token").normalize().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("SMS_JWT_DIR", module.resolve("src/test/resources/jwt").toString());
        builder.environment().remove("SMS_JWT_ISSUER");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        return out;
    }

    private String credited(int credit) {
        String client = Stores.newClient();
        given().auth().oauth2(Tokens.admin("ops")).header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": " + credit + "}")
                .when().post("/api/credit/increase?create=true").then().statusCode(200);
        return client;
    }
}
