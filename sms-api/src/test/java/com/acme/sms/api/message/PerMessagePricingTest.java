package com.acme.sms.api.message;

import static com.acme.sms.api.Stores.creditedClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.acme.sms.api.Stores;
import com.acme.sms.message.MessageType;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With sms.billing.per-segment=false a message costs one credit whatever its length. */
@QuarkusTest
@TestProfile(PerMessagePricingTest.PerMessage.class)
class PerMessagePricingTest {

    public static class PerMessage implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sms.billing.per-segment", "false");
        }
    }

    @Inject
    Stores stores;

    @Test
    void aLongMessageCostsOneCredit() {
        String client = creditedClient(2);
        PerSegmentPricingTest.send(client, List.of("a".repeat(400), "Ж".repeat(200))).then().statusCode(202)
                .body("accepted", equalTo(2)).body("charged", equalTo(2)).body("balance", equalTo(0))
                .body("results[0].credits", equalTo(1)).body("results[1].credits", equalTo(1));
        assertThat(stores.queued(MessageType.NORMAL, client)).allSatisfy(m -> assertThat(m.payload()).doesNotContainKey("u"));
    }
}
