package com.acme.sms.worker.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.acceptance.AcceptScript;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.smsc.MobileOriginated;
import com.acme.sms.smsc.SmscSettings;
import com.acme.sms.smsc.SmscSimulator;
import com.acme.sms.worker.WorkerRunner;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * Inbound STOP end to end with the real things: the worker sends through the SMPP provider to the SMSC simulator
 * (which fills client_senders), the simulator plays the handset texting STOP back, and the opt-out lands in
 * PostgreSQL and in the client's Redis set. PostgreSQL and Redis are reached through {@link TcpProxy}s, so a test can
 * take either away as a lost network would.
 */
@QuarkusTest
@TestProfile(InboundStopTest.SmppBehindProxies.class)
class InboundStopTest {

    private static final int ESME_RX_T_APPN = 0x64;

    public static class SmppBehindProxies implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("sms.provider.kind", "smpp");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Resources.class));
        }
    }

    /** The simulator, and relays to the PostgreSQL and Redis the tests are configured with. */
    public static class Resources implements QuarkusTestResourceLifecycleManager {
        static SmscSimulator smsc;
        static TcpProxy postgres;
        static TcpProxy redis;

        @Override
        public Map<String, String> start() {
            try {
                smsc = SmscSimulator.start(SmscSettings.defaults());
                URI pg = URI.create(env("_TEST_QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/sms_test")
                        .substring("jdbc:".length()));
                postgres = new TcpProxy(pg.getHost(), pg.getPort() < 0 ? 5432 : pg.getPort());
                URI r = URI.create(env("_TEST_QUARKUS_REDIS_HOSTS", "redis://127.0.0.1:6379/15"));
                redis = new TcpProxy(r.getHost(), r.getPort() < 0 ? 6379 : r.getPort());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String jdbc = "jdbc:postgresql://127.0.0.1:" + postgres.port() + pgPathAndQuery();
            String hosts = "redis://127.0.0.1:" + redis.port() + URI.create(env("_TEST_QUARKUS_REDIS_HOSTS",
                    "redis://127.0.0.1:6379/15")).getRawPath();
            // Both spellings: a %test value (as the environment gives it) wins over a plain one from anywhere.
            return Map.of("sms.provider.smpp.host", "127.0.0.1", "sms.provider.smpp.port", String.valueOf(smsc.port()),
                    "sms.provider.smpp.system-id", "smsc", "sms.provider.smpp.password", "secret",
                    "quarkus.datasource.jdbc.url", jdbc, "%test.quarkus.datasource.jdbc.url", jdbc,
                    "quarkus.redis.hosts", hosts, "%test.quarkus.redis.hosts", hosts);
        }

        private static String pgPathAndQuery() {
            URI pg = URI.create(env("_TEST_QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/sms_test")
                    .substring("jdbc:".length()));
            return pg.getRawPath() + (pg.getRawQuery() == null ? "" : "?" + pg.getRawQuery());
        }

        private static String env(String name, String otherwise) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? otherwise : v;
        }

        @Override
        public void stop() {
            smsc.close();
            try {
                postgres.close();
                redis.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    WorkerRunner runner;

    @Inject
    CreditScripts credit;

    @Inject
    AcceptScript acceptance;

    @Inject
    AgroalDataSource db;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry registry;

    private static String unique(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    private static String number() {
        return "+49151" + ThreadLocalRandom.current().nextInt(1_000_000, 10_000_000);
    }

    /** The client sends one message from the sender through the worker and the SMSC; its pair is then recorded. */
    private void sendThroughTheWorker(String client, String from, String to) throws Exception {
        credit.add(client, System.nanoTime(), 1).await().atMost(Duration.ofSeconds(10));
        acceptance.accept(client, MessageType.NORMAL,
                List.of(new AcceptScript.Outgoing(UuidV7.next(), to, from, "Hello from " + from))).await()
                .atMost(Duration.ofSeconds(10));
        runner.start(MessageType.NORMAL);
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> sendersOf(client).contains(from));
        } finally {
            runner.stopAndWait();
        }
    }

    @Test
    void aStopToASenderOptsTheNumberOutOfTheClientsThatSentFromItAndOfNoOneElse() throws Exception {
        String c = unique("in-c-");
        String d = unique("in-d-");
        String s = unique("S").substring(0, 9);
        String other = unique("O").substring(0, 9);
        String n = number();
        sendThroughTheWorker(c, s, n);
        // D texted the same number, from another sender: a STOP to S is not about D.
        sendThroughTheWorker(d, other, n);
        double stops = count("stop");

        MobileOriginated mo = Resources.smsc.sendMobileOriginated(n, s, " stop\n");

        assertThat(mo.acknowledged()).as(mo.toJson()).isTrue();
        assertThat(optOuts(c)).containsExactly(List.of(n, "inbound", "STOP", s));
        assertThat(redis.set(String.class).sismember(RedisKeys.optOuts(c), n)).isTrue();
        assertThat(optOuts(d)).isEmpty();
        assertThat(redis.set(String.class).sismember(RedisKeys.optOuts(d), n)).isFalse();
        assertThat(count("stop")).isEqualTo(stops + 1);

        // Sent again (an SMSC that missed the answer): acknowledged, the first record stays.
        assertThat(Resources.smsc.sendMobileOriginated(n, s, "UNSUBSCRIBE").acknowledged()).isTrue();
        assertThat(optOuts(c)).containsExactly(List.of(n, "inbound", "STOP", s));
    }

    @Test
    void otherTextsAndStopsToUnknownSendersAreAcknowledgedAndCountedNotStored() throws Exception {
        String c = unique("in-c-");
        String s = unique("S").substring(0, 9);
        String n = number();
        sendThroughTheWorker(c, s, n);
        double others = count("other");
        double unknown = count("unknown_sender");

        assertThat(Resources.smsc.sendMobileOriginated(n, s, "hello").acknowledged()).isTrue();
        assertThat(Resources.smsc.sendMobileOriginated(n, s, "STOP please").acknowledged()).isTrue();
        assertThat(Resources.smsc.sendMobileOriginated(n, s, "ſTOP").acknowledged()).isTrue();
        assertThat(Resources.smsc.sendMobileOriginated(n, "Nobody" + s.substring(1, 5), "STOP").acknowledged())
                .isTrue();

        assertThat(optOuts(c)).isEmpty();
        assertThat(count("other")).isEqualTo(others + 3);
        assertThat(count("unknown_sender")).isEqualTo(unknown + 1);
    }

    @Test
    void aNumericSenderIsFoundFromItsSmppFormAndALatin1StopCounts() throws Exception {
        String c = unique("in-c-");
        String s = number();
        String n = number();
        sendThroughTheWorker(c, s, n);

        // data_coding 3 (Latin-1), as some SMSCs deliver, with a no-break space (0xA0: no GSM character); the sender
        // arrives as digits with TON international.
        MobileOriginated mo = Resources.smsc.sendMobileOriginated(n, s, (byte) 0x03,
                "Quit\u00a0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), false);

        assertThat(mo.acknowledged()).as(mo.toJson()).isTrue();
        assertThat(optOuts(c)).containsExactly(List.of(n, "inbound", "QUIT", s));
    }

    @Test
    void withPostgresqlUnreachableTheStopIsRefusedAndStoredWhenTheSmscSendsItAgain() throws Exception {
        String c = unique("in-c-");
        String s = unique("S").substring(0, 9);
        String n = number();
        sendThroughTheWorker(c, s, n);

        Resources.postgres.cut();
        MobileOriginated refused;
        try {
            refused = Resources.smsc.sendMobileOriginated(n, s, "End");
        } finally {
            Resources.postgres.restore();
        }

        assertThat(refused.outcome()).as(refused.toJson()).isEqualTo("refused");
        assertThat(refused.commandStatus()).isEqualTo(ESME_RX_T_APPN);
        // The SMSC's resend: until acknowledged (the pool may still hand out a connection from before the cut).
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> Resources.smsc.sendMobileOriginated(n, s, "End").acknowledged());
        assertThat(optOuts(c)).containsExactly(List.of(n, "inbound", "END", s));
        assertThat(redis.set(String.class).sismember(RedisKeys.optOuts(c), n)).isTrue();
    }

    @Test
    void withRedisUnreachableTheStopIsRefusedNothingStaysInPostgresqlAndItIsStoredWhenSentAgain() throws Exception {
        String c = unique("in-c-");
        String s = unique("S").substring(0, 9);
        String n = number();
        sendThroughTheWorker(c, s, n);

        Resources.redis.cut();
        MobileOriginated refused;
        try {
            refused = Resources.smsc.sendMobileOriginated(n, s, "cancel");
            // The add rolled back: PostgreSQL has no opt-out that Redis lacks.
            assertThat(optOuts(c)).isEmpty();
        } finally {
            Resources.redis.restore();
        }

        assertThat(refused.outcome()).as(refused.toJson()).isEqualTo("refused");
        assertThat(refused.commandStatus()).isEqualTo(ESME_RX_T_APPN);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> Resources.smsc.sendMobileOriginated(n, s, "cancel").acknowledged());
        assertThat(optOuts(c)).containsExactly(List.of(n, "inbound", "CANCEL", s));
        assertThat(redis.set(String.class).sismember(RedisKeys.optOuts(c), n)).isTrue();
    }

    private double count(String kind) {
        return registry.get("sms.inbound.messages").tag("kind", kind).counter().count();
    }

    private List<String> sendersOf(String client) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT sender FROM client_senders WHERE client_id = ?")) {
            ps.setString(1, client);
            List<String> senders = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    senders.add(rs.getString(1));
                }
            }
            return senders;
        }
    }

    /** number, source, keyword, sender of each of the client's opt-outs. */
    private List<List<String>> optOuts(String client) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT number, source, keyword, sender FROM opt_outs WHERE client_id = ? ORDER BY number")) {
            ps.setString(1, client);
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(List.of(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
            return rows;
        }
    }
}
