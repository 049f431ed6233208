package com.acme.sms.e2e;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.smsc.Delivered;
import com.acme.sms.smsc.SmscSettings;
import com.acme.sms.smsc.SmscSimulator;
import com.acme.sms.system.AppProcess;
import io.restassured.response.Response;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Workers as a user runs them (packaged, separate processes) with {@code sms.provider.kind=smpp}, against a real SMPP
 * server over TCP (the SMSC simulator, here in the test's process so the test can stop it and count what it got).
 */
class SmppIT {

    static Platform platform;
    static AppProcess api;
    SmscSimulator smsc;

    @BeforeAll
    static void start() throws Exception {
        platform = Platform.shared();
        api = platform.api();
    }

    @AfterAll
    static void stop() throws Exception {
        platform.close();
    }

    @BeforeEach
    void clean() throws Exception {
        platform.cleanQueues();
    }

    @AfterEach
    void stopSmsc() {
        if (smsc != null) {
            smsc.close();
        }
    }

    static Map<String, String> smpp(int port, String password) {
        Map<String, String> env = new HashMap<>();
        env.put("SMS_PROVIDER_KIND", "smpp");
        env.put("SMS_PROVIDER_SMPP_HOST", "127.0.0.1");
        env.put("SMS_PROVIDER_SMPP_PORT", Integer.toString(port));
        env.put("SMS_PROVIDER_SMPP_SYSTEM_ID", "smsc");
        env.put("SMS_PROVIDER_SMPP_PASSWORD", password);
        env.put("SMS_PROVIDER_SMPP_RECONNECT_INITIAL", "200ms");
        env.put("SMS_PROVIDER_SMPP_RECONNECT_MAX", "1s");
        // Room for a reconnect inside one send, and the provider's wait plus a write inside reclaim-idle.
        env.put("SMS_PROVIDER_TIMEOUT", "3s");
        env.put("SMS_WORKER_RECLAIM_IDLE", "8s");
        return env;
    }

    @Test
    void anSmscDownAtStartAndRestartedUnderLoadLosesNothingAndSendsNothingTwiceOutsideTheWindow() throws Exception {
        int port = freePort();
        List<Delivered> earlier = new ArrayList<>(); // what SMSC instances got before they went away
        AppProcess worker = platform.worker("normal", smpp(port, "secret"));
        String client = platform.newClient(api, 10_000);
        List<String> accepted = new ArrayList<>();
        accepted.addAll(send(client, 200, "before"));

        // No SMSC yet: the worker runs, is not ready, and keeps the messages queued (none failed, none refunded).
        // Up and answering health (not awaitReady: it is meant not to be ready).
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> given().port(worker.managementPort).get("/q/health/ready").statusCode() == 503);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> worker.process.isAlive()
                && count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'failed'", client) == 0);
        assertThat(worker.process.isAlive()).isTrue();
        assertThat(given().port(worker.managementPort).get("/q/health/ready").statusCode()).isEqualTo(503);
        assertThat(count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'failed'", client)).isZero();

        smsc = SmscSimulator.start(SmscSettings.defaults().withPort(port));
        worker.awaitReady(Duration.ofSeconds(30));
        // Under load, the SMSC goes away (every session dropped, then the server gone for a second) and comes back.
        for (int round = 0; round < 3; round++) {
            // The fault comes while this round is being sent. Counted before the round is accepted: a worker can
            // submit all of it before send() returns, and a count taken after would then wait for submits that never
            // come.
            long submits = smsc.stats().submits();
            accepted.addAll(send(client, 200, "load" + round));
            SmscSimulator current = smsc;
            await().atMost(Duration.ofSeconds(30)).until(() -> current.stats().submits() > submits);
            if (round == 0) {
                smsc.drop();
            } else if (round == 1) {
                earlier.addAll(smsc.delivered());
                smsc.close();
                // Down until the worker has noticed: not ready, its sessions gone.
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> given().port(worker.managementPort).get("/q/health/ready").statusCode() == 503);
                smsc = SmscSimulator.start(SmscSettings.defaults().withPort(port));
            }
        }
        platform.awaitDrained(Duration.ofSeconds(90));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> count("SELECT count(*) FROM messages WHERE client_id = ? AND status NOT IN ('queued')",
                        client) == accepted.size());

        long failed = count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'failed'", client);
        long charged = count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'sent'",
                client);
        // A message may go out twice only when an answer was lost: then the worker retried it (attempts > 1).
        long retried = count("SELECT count(*) FROM messages WHERE client_id = ? AND attempts > 1", client);
        Map<String, Integer> got = new HashMap<>();
        List<Delivered> all = new ArrayList<>(earlier);
        all.addAll(smsc.delivered());
        for (Delivered d : all) {
            got.merge(d.destination() + "|" + d.text(), 1, Integer::sum);
        }
        int twice = 0;
        for (String[] message : messages(client)) {
            // The SMSC gets the number without its '+' (international, TON 1).
            if (got.getOrDefault(message[0].substring(1) + "|" + message[1], 0) > 1) {
                twice++;
            }
        }
        System.out.printf("SMSC down at start, dropped and restarted: accepted=%d charged=%d failed=%d retried=%d "
                + "taken twice by the SMSC=%d%n", accepted.size(), charged, failed, retried, twice);
        assertThat(failed).as("nothing failed: the worker waits for the SMSC").isZero();
        assertThat(charged).isEqualTo(accepted.size());
        assertThat((long) twice).isLessThanOrEqualTo(retried);
        // Those the restarted SMSC took get their receipts: every message whose row names an id that SMSC gave. A
        // message the worker presumed sent (it lost the SMSC's answer in a fault) has no id a receipt could match, and
        // one sent twice keeps the id of the send it recorded, so those two are all the taken ones may fall short by.
        List<String> idsOfTheLastSmsc = smsc.delivered().stream().flatMap(d -> d.messageIds().stream()).toList();
        long presumed = count("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'presumed sent:%'",
                client);
        long named = count(NAMING_THE_LAST_SMSC, client, idsOfTheLastSmsc);
        System.out.printf("The last SMSC took %d messages; %d rows name its ids; presumed sent %d%n",
                smsc.delivered().size(), named, presumed);
        assertThat(named).isGreaterThanOrEqualTo(smsc.delivered().size() - twice - presumed);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> count(NAMING_THE_LAST_SMSC
                    + " AND EXISTS (SELECT 1 FROM message_outcomes o WHERE o.message_id = m.id AND o.outcome = 'delivered')",
                    client, idsOfTheLastSmsc) == named);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            System.out.println("Without their receipt: " + rows("SELECT m.id, m.status, m.attempts, m.provider_message_id,"
                    + " m.error_message FROM messages m WHERE m.client_id = ? AND m.provider_message_id = ANY (?)"
                    + " AND NOT EXISTS (SELECT 1 FROM message_outcomes o WHERE o.message_id = m.id)",
                    client, idsOfTheLastSmsc));
            System.out.println("The last SMSC: " + smsc.stats());
            throw e;
        }

        // SIGTERM: the worker unbinds before it exits.
        long unbinds = smsc.stats().unbinds();
        worker.process.destroy();
        assertThat(worker.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(smsc.stats().unbinds()).isGreaterThan(unbinds);
    }

    @Test
    void aWrongPasswordIsOneClearLogLineAndANotReadyWorkerNotACrashLoop() throws Exception {
        smsc = SmscSimulator.start(SmscSettings.defaults());
        AppProcess worker = platform.worker("express", smpp(smsc.port(), "wrong"));
        String client = platform.newClient(api, 100);
        List<String> accepted = send(client, 5, "otp");

        // Up and answering health (not awaitReady: it is meant not to be ready).
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> given().port(worker.managementPort).get("/q/health/ready").statusCode() == 503);
        // Binds are refused again and again meanwhile: the worker stays up and fails nothing.
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15)).until(() -> worker.process.isAlive()
                && count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'failed'", client) == 0);
        assertThat(worker.process.isAlive()).isTrue();
        Response ready = given().port(worker.managementPort).get("/q/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.asString()).contains("smpp sessions bound");
        assertThat(Files.readString(worker.log)).containsIgnoringCase("password");
        assertThat(smsc.stats().bindsRefused()).isPositive();
        assertThat(accepted).hasSize(5);
        assertThat(count("SELECT count(*) FROM messages WHERE client_id = ? AND status = 'failed'", client)).isZero();
    }

    /** n express or normal messages, each text unique, so the SMSC's count per text is a count per message. */
    private static List<String> send(String client, int n, String tag) {
        StringBuilder body = new StringBuilder("{\"messages\": [");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append("{\"to\": \"+49170").append(String.format("%07d", i))
                    .append("\", \"from\": \"App\", \"content\": \"").append(tag).append(' ').append(i).append(' ')
                    .append(UUID.randomUUID()).append("\"}");
        }
        body.append("]}");
        Response r = given().port(api.port).header("X-Client-ID", client)
                .header("X-SMS-TYPE", tag.equals("otp") ? "express" : "normal").contentType("application/json")
                .body(body.toString()).post("/api/messages/bulk/send");
        assertThat(r.statusCode()).isEqualTo(202);
        List<String> ids = new ArrayList<>();
        for (Map<String, Object> result : r.<List<Map<String, Object>>>path("results")) {
            ids.add((String) result.get("id"));
        }
        return ids;
    }

    /** Recipient and text of each of the client's messages. */
    private List<String[]> messages(String client) throws Exception {
        List<String[]> texts = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(platform.jdbcUrl, "sms", "sms");
                PreparedStatement ps = c.prepareStatement("SELECT to_number, content FROM messages WHERE client_id = ?")) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    texts.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
        }
        return texts;
    }

    private static final String NAMING_THE_LAST_SMSC = "SELECT count(*) FROM messages m WHERE m.client_id = ? AND m.provider_message_id = ANY (?)";

    private long count(String sql, String client, Object... more) throws Exception {
        return Long.parseLong(rows(sql, client, more).get(0));
    }

    /** Each row as its columns joined by " | "; a list parameter goes in as a text array. */
    private List<String> rows(String sql, String client, Object... more) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(platform.jdbcUrl, "sms", "sms");
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, client);
            for (int p = 0; p < more.length; p++) {
                ps.setObject(p + 2, more[p] instanceof List<?> l ? c.createArrayOf("text", l.toArray()) : more[p]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int k = 1; k <= rs.getMetaData().getColumnCount(); k++) {
                        row.append(k == 1 ? "" : " | ").append(rs.getString(k));
                    }
                    out.add(row.toString());
                }
            }
        }
        return out;
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
