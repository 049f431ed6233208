package com.acme.sms.api.message;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Message endpoints' parameters a client never means: dates PostgreSQL cannot hold (they were a 500 with a stack trace) and
 * values that only read as keywords or numbers through Unicode case folding or non-ASCII digits (they were obeyed).
 */
@QuarkusTest
class StrictMessageInputTest {

    RequestSpecification client() {
        return given().header("X-Client-ID", Stores.newClient()).urlEncodingEnabled(false);
    }

    @ParameterizedTest
    @CsvSource({
        "to_date, %2B999999999-12-31",
        "from_date, %2B300000-01-01",
        "from_date, %2B10000-01-01T00:00:00Z",
        "to_date, -0001-12-31",
        "from_date, 0000-01-01",
        "status, %C5%BFent", // ſent
        "type, expre%C5%BFs", // expreſs
        "page, %D9%A1", // Arabic-Indic 1
        "page_size, %EF%BC%92", // fullwidth 2
        "page, %2B1",
    })
    void isAnInvalidParameter(String name, String value) {
        client().when().get("/api/messages/sent-log?" + name + "=" + value)
                .then().statusCode(400).body("code", equalTo("invalid-parameter"));
    }

    @Test
    void aMessageIdInNonAsciiDigitsIsNoId() {
        // U+0660.. are Arabic-Indic digits; UUID.fromString reads them as 0193
        client().when().get("/api/messages/%D9%A0%D9%A1%D9%A9%D9%A3a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b")
                .then().statusCode(400).body("code", equalTo("invalid-id"));
    }

    @ParameterizedTest
    @CsvSource({
        "from_date=0001-01-01&to_date=9999-12-31",
        "to_date=9999-12-31T23:59:59.999999Z",
        "status=SENT&type=Express&page=1&page_size=100",
    })
    void theEdgesOfWhatIsAllowedStillAnswer(String query) {
        client().when().get("/api/messages/sent-log?" + query).then().statusCode(200).body("total", equalTo(0));
    }
}
