package com.acme.sms.worker.send.smpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.acceptance.AcceptScript;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.smsc.SmscSettings;
import com.acme.sms.smsc.SmscSimulator;
import com.acme.sms.worker.Management;
import com.acme.sms.worker.WorkerRunner;
import com.acme.sms.worker.health.SmppReadiness;
import com.acme.sms.worker.send.SendStep;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The worker with sms.provider.kind=smpp, end to end: accepted, submitted to the SMSC, receipt applied. */
@QuarkusTest
@TestProfile(SmppDeliveryTest.Smpp.class)
class SmppDeliveryTest {

    public static class Smpp implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sms.provider.kind", "smpp");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Smsc.class));
        }
    }

    /** The SMSC simulator for the app under test, started before it so its port can go into the config. */
    public static class Smsc implements QuarkusTestResourceLifecycleManager {
        static SmscSimulator smsc;

        @Override
        public Map<String, String> start() {
            try {
                smsc = SmscSimulator.start(SmscSettings.defaults().withReceiptDelay(Duration.ofMillis(300))
                        .withRejectedPrefix("999"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("sms.provider.smpp.host", "127.0.0.1", "sms.provider.smpp.port", String.valueOf(smsc.port()),
                    "sms.provider.smpp.system-id", "smsc", "sms.provider.smpp.password", "secret");
        }

        @Override
        public void stop() {
            smsc.close();
        }
    }

    @Inject
    SendStep send;

    @Inject
    WorkerRunner runner;

    @Inject
    CreditScripts credit;

    @Inject
    AcceptScript acceptance;

    @Inject
    AgroalDataSource db;

    @Test
    void theSmppProviderIsChosenAndItsSessionsAreOnTheReadinessCheck() {
        assertThat(send.provider()).isInstanceOf(SmppProvider.class);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath health = Management.given().when().get("/q/health").then().extract().jsonPath();
            String check = "checks.find { it.name == '" + SmppReadiness.NAME + "' }";
            assertThat(health.getString(check + ".status")).isEqualTo("UP");
            assertThat(health.getInt(check + ".data.bound")).isEqualTo(2);
        });
    }

    @Test
    void anAcceptedMessageReachesTheSmscOnceAndItsReceiptMarksItDelivered() throws Exception {
        String client = "smpp-" + UUID.randomUUID().toString().substring(0, 8);
        credit.add(client, System.nanoTime(), 2).await().atMost(Duration.ofSeconds(10));
        UUID delivered = UuidV7.next();
        UUID rejected = UuidV7.next();
        String text = "Hello over SMPP " + client;
        acceptance.accept(client, MessageType.NORMAL, List.of(new AcceptScript.Outgoing(delivered, "+4915112345678",
                "Acme", text), new AcceptScript.Outgoing(rejected, "+99912345", "Acme", "nope"))).await()
                .atMost(Duration.ofSeconds(10));

        runner.start(MessageType.NORMAL);
        try {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(row(delivered)).containsExactly("delivered", null);
                assertThat(row(rejected)).containsExactly("failed", "0x0000000B");
            });
        } finally {
            runner.stopAndWait();
        }
        assertThat(Smsc.smsc.timesDelivered("4915112345678", text)).isEqualTo(1);
    }

    /** status, error_code. */
    private List<String> row(UUID id) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c
                        .prepareStatement(
                                "SELECT coalesce(o.outcome, m.status), coalesce(o.error_code, m.error_code) FROM messages m"
                                        + " LEFT JOIN message_outcomes o ON o.message_id = m.id WHERE m.id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return List.of("none");
                }
                return java.util.Arrays.asList(rs.getString(1), rs.getString(2));
            }
        }
    }
}
