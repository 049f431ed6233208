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
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Numbers are checked with libphonenumber at acceptance: a number in E.164 shape that no numbering plan can hold
 * (a country code nobody has, a length the country does not use, all zeros) is rejected alone, charged nothing.
 */
@QuarkusTest
class PhoneNumberTest {

    @Inject
    Stores stores;

    @ParameterizedTest
    @CsvSource({
        "+00000000, country code",
        "+0123456789, country code",
        "+99912345678, country code", // 999 is assigned to no one
        "+8001234567, length", // international freephone: 8 digits after 800
        "+1234567890, length", // North America: 10 digits after 1
        "+44770090000001, length", // too long for the United Kingdom
        "+12345678, length", // a local number, without its area code
        "+10000000000, zeros",
        "+4900000000, zeros",
        "+4901701234567, +491701234567", // the national prefix 0 does not belong after +49
    })
    void aNumberNoPlanCanHoldIsRejectedWithItsReason(String to, String why) {
        String client = Stores.creditedClient(5);
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"messages\": [{\"to\": \"" + to + "\", \"from\": \"App\", \"content\": \"hi\"}, "
                        + "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"hi\"}]}")
                .when().post("/api/messages/bulk/send")
                .then().statusCode(202)
                .body("results[0].status", equalTo("rejected"))
                .body("results[0].reason", equalTo("invalid_number"))
                .body("results[0].detail", containsString(why))
                .body("results[1].status", equalTo("queued"));
        assertThat(stores.balanceKey(client)).isEqualTo("4");
        assertThat(stores.queued(MessageType.NORMAL, client)).hasSize(1);
    }

    @Test
    void aSenderNumberIsCheckedTheSameWay() {
        String client = Stores.creditedClient(5);
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"+00000000\", \"content\": \"hi\"}]}")
                .when().post("/api/messages/bulk/send")
                .then().statusCode(422).body("results[0].reason", equalTo("invalid_from"));
    }

    @ParameterizedTest
    @CsvSource({"+4917012345", "+491701234567", "+14155550123", "+447700900123", "+390612345678", "+8613800138000",
        "+97150123456"})
    void numbersOfRealPlansAreAccepted(String to) {
        String client = Stores.creditedClient(1);
        given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"messages\": [{\"to\": \"" + to + "\", \"from\": \"App\", \"content\": \"hi\"}]}")
                .when().post("/api/messages/bulk/send")
                .then().statusCode(202).body("accepted", equalTo(1));
    }
}
