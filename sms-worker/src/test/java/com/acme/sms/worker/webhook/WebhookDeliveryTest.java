package com.acme.sms.worker.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.message.UuidV7;
import com.acme.sms.worker.persist.MessageStore;
import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptState;
import com.acme.sms.worker.receipt.ReceiptStore;
import com.fasterxml.jackson.databind.JsonNode;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Status webhooks from the statements that change a message's status to a real HTTP receiver on loopback: signed,
 * at least once, retried, given up into the failures list, and never held up by another client's receiver.
 */
@QuarkusTest
class WebhookDeliveryTest {

    static final String SECRET = "test-secret-0123456789";

    @Inject
    MessageStore messages;

    @Inject
    ReceiptStore receipts;

    @Inject
    WebhookDispatcher dispatcher;

    @Inject
    AgroalDataSource db;

    @Inject
    MeterRegistry registry;

    @BeforeEach
    void dispatching() {
        dispatcher.start();
    }

    @Test
    void sentAndFailedChangesArriveSignedWithEveryField() throws Exception {
        try (Receiver receiver = new Receiver(SECRET)) {
            String client = client(receiver);
            String quiet = "wh-none-" + UUID.randomUUID().toString().substring(0, 8);
            List<QueuedMessage> sent = queued(client, 3);
            List<QueuedMessage> failed = queued(client, 1);
            messages.save(MessageType.NORMAL, finals(sent, MessageStatus.SENT), "test");
            messages.save(MessageType.NORMAL, List.of(new MessageStore.Final(failed.get(0), MessageStatus.FAILED,
                    "provider refused: invalid number", List.of(), "11")), "test");
            // A client without a webhook: its changes write no event
            messages.save(MessageType.NORMAL, finals(queued(quiet, 2), MessageStatus.SENT), "test");

            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.acknowledgedEvents().size() >= 4);
            assertThat(receiver.requests()).allSatisfy(r -> {
                assertThat(r.signatureValid()).as("signature of %s", r.body()).isTrue();
                assertThat(r.header("X-SMS-Webhook-Id")).isNotBlank();
                assertThat(Long.parseLong(r.header("X-SMS-Timestamp")))
                        .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(60L));
                assertThat(r.header("Content-Type")).isEqualTo("application/json");
            });
            Map<String, JsonNode> byMessage = receiver.acknowledgedEvents().stream()
                    .collect(Collectors.toMap(e -> e.get("message_id").asText(), e -> e));
            assertThat(byMessage).hasSize(4);
            JsonNode ok = byMessage.get(sent.get(0).id().toString());
            assertThat(ok.get("status").asText()).isEqualTo("sent");
            assertThat(ok.get("type").asText()).isEqualTo("normal");
            assertThat(ok.get("to").asText()).isEqualTo("+4917012345");
            assertThat(ok.get("segments").asInt()).isEqualTo(1);
            assertThat(ok.get("sequence").asInt()).isEqualTo(1);
            assertThat(ok.get("error_code").isNull()).isTrue();
            assertThat(Instant.parse(ok.get("occurred_at").asText())).isBefore(Instant.now().plusSeconds(1));
            assertThat(UUID.fromString(ok.get("event_id").asText())).isNotNull();
            JsonNode bad = byMessage.get(failed.get(0).id().toString());
            assertThat(bad.get("status").asText()).isEqualTo("failed");
            assertThat(bad.get("error_code").asText()).isEqualTo("11");
            assertThat(bad.get("error_message").asText()).isEqualTo("provider refused: invalid number");
            // delivered events are gone from the outbox; the quiet client never had any
            await().atMost(Duration.ofSeconds(5)).until(() -> count("SELECT count(*) FROM webhook_events WHERE client_id = ?",
                    client) == 0);
            assertThat(count("SELECT count(*) FROM webhook_events WHERE client_id = ?", quiet)).isZero();
        }
    }

    /**
     * A receiver that answers 500 twice, then 200, gets every event exactly once after dedupe by event_id, and a
     * message's events sorted by sequence are in the order they happened: sent, then what the receipt said.
     */
    @Test
    void aReceiverThatFailsFirstGetsEveryEventOnceAfterDedupeInSequenceOrder() throws Exception {
        try (Receiver receiver = new Receiver(SECRET)) {
            receiver.answer(n -> Receiver.Answer.status(n <= 2 ? 500 : 200));
            String client = client(receiver);
            double producedBefore = produced();
            List<QueuedMessage> batch = queued(client, 5);
            messages.save(MessageType.NORMAL, finals(batch, MessageStatus.SENT), "test");
            List<Receipt> rs = new ArrayList<>();
            List<Instant> at = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                rs.add(new Receipt("p-" + batch.get(i).id(), i == 4 ? ReceiptState.UNDELIV : ReceiptState.DELIVRD,
                        Instant.now(), i == 4 ? "001" : "000"));
                at.add(Instant.now());
            }
            receipts.apply(rs, at);
            // and the same receipts again, as an SMSC may repeat them: no new event
            receipts.apply(rs, at);
            assertThat(produced() - producedBefore).as("events written: 5 sent, 5 receipts").isEqualTo(10.0);

            await().atMost(Duration.ofSeconds(30)).until(() -> dedupe(receiver.acknowledgedEvents()).size() >= 10);
            assertThat(receiver.requests().stream().filter(r -> r.answered() == 500)).hasSize(2);
            Map<String, JsonNode> unique = dedupe(receiver.acknowledgedEvents());
            assertThat(unique).hasSize(10);
            Map<String, List<String>> perMessage = unique.values().stream()
                    .sorted(Comparator.comparingInt(e -> e.get("sequence").asInt()))
                    .collect(Collectors.groupingBy(e -> e.get("message_id").asText(), LinkedHashMap::new,
                            Collectors.mapping(e -> e.get("status").asText(), Collectors.toList())));
            for (int i = 0; i < 4; i++) {
                assertThat(perMessage.get(batch.get(i).id().toString())).containsExactly("sent", "delivered");
            }
            assertThat(perMessage.get(batch.get(4).id().toString())).containsExactly("sent", "undelivered");
            await().atMost(Duration.ofSeconds(5)).until(() -> count("SELECT count(*) FROM webhook_events WHERE client_id = ?",
                    client) == 0);
        }
    }

    /** A receiver that hangs past the timeout holds up neither another client's webhook nor its own later tries. */
    @Test
    void aHangingReceiverDoesNotHoldUpAnotherClient() throws Exception {
        try (Receiver hanging = new Receiver(SECRET); Receiver healthy = new Receiver(SECRET)) {
            hanging.answer(n -> new Receiver.Answer(200, n == 1 ? 30_000 : 0, null));
            String slow = client(hanging);
            String fast = client(healthy);
            List<QueuedMessage> slowOnes = queued(slow, 2);
            messages.save(MessageType.NORMAL, finals(slowOnes, MessageStatus.SENT), "test");
            await().atMost(Duration.ofSeconds(10)).until(() -> hanging.requests().size() >= 1);
            messages.save(MessageType.NORMAL, finals(queued(fast, 3), MessageStatus.SENT), "test");

            // the healthy receiver gets its events while the first try to the hanging one is still open
            await().atMost(Duration.ofSeconds(10)).until(() -> healthy.acknowledgedEvents().size() == 3);
            assertThat(hanging.acknowledgedEvents()).isEmpty();
            // the hung try timed out (the receiver's answer came too late to count) and a later one delivered them
            await().atMost(Duration.ofSeconds(20)).until(() -> hanging.requests().size() >= 2
                    && count("SELECT count(*) FROM webhook_events WHERE client_id = ?", slow) == 0);
            assertThat(dedupe(hanging.acknowledgedEvents()).keySet()).hasSize(2);
        }
    }

    /** A receiver that is down for a while gets its events once it is back, within the window of tries. */
    @Test
    void aReceiverDownForAWhileGetsItsEventsWhenBack() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String client = "wh-" + UUID.randomUUID().toString().substring(0, 8);
        register(client, "http://127.0.0.1:" + port + "/events");
        List<QueuedMessage> batch = queued(client, 3);
        messages.save(MessageType.NORMAL, finals(batch, MessageStatus.SENT), "test");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> count("SELECT count(*) FROM webhook_events WHERE client_id = ? AND attempts >= 2", client) == 3);
        assertThat(lastError(client)).contains("could not reach the receiver");
        try (Receiver receiver = new Receiver(SECRET, port)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> dedupe(receiver.acknowledgedEvents()).size() == 3);
        }
    }

    /** Never a 2xx within give-up-after (6 s in tests): the events are kept as failures, with the last error. */
    @Test
    void eventsNotDeliveredWithinTheWindowGoToTheFailuresList() throws Exception {
        try (Receiver receiver = new Receiver(SECRET)) {
            receiver.answer(n -> Receiver.Answer.status(503));
            String client = client(receiver);
            messages.save(MessageType.NORMAL, finals(queued(client, 2), MessageStatus.SENT), "test");
            await().atMost(Duration.ofSeconds(30)).until(() -> count(
                    "SELECT count(*) FROM webhook_events WHERE client_id = ? AND failed_at IS NOT NULL", client) == 2);
            int tries = receiver.requests().size();
            assertThat(tries).isGreaterThan(2);
            assertThat(lastError(client)).isEqualTo("the receiver answered 503");
            // given up: no more tries, for longer than several backoffs (at most 400 ms in tests)
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                    .until(() -> receiver.requests().size() == tries);
        }
    }

    /** A redirect is not followed: it could lead to an address the URL check never saw. */
    @Test
    void aRedirectIsNotFollowed() throws Exception {
        try (Receiver target = new Receiver(SECRET); Receiver redirecting = new Receiver(SECRET)) {
            redirecting.answer(n -> new Receiver.Answer(307, 0, target.url()));
            String client = client(redirecting);
            messages.save(MessageType.NORMAL, finals(queued(client, 1), MessageStatus.SENT), "test");
            await().atMost(Duration.ofSeconds(10)).until(() -> redirecting.requests().size() >= 2);
            assertThat(target.requests()).isEmpty();
            assertThat(lastError(client)).isEqualTo("the receiver answered 307");
        }
    }

    private double produced() {
        return registry.counter("sms.webhooks.events.produced").count();
    }

    private String client(Receiver receiver) throws Exception {
        String client = "wh-" + UUID.randomUUID().toString().substring(0, 8);
        register(client, receiver.url());
        return client;
    }

    private void register(String client, String url) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO webhooks (client_id, url, secret) VALUES (?, ?, ?)")) {
            ps.setString(1, client);
            ps.setString(2, url);
            ps.setString(3, SECRET);
            ps.executeUpdate();
        }
    }

    private long count(String sql, String client) throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private String lastError(String client) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT last_error FROM webhook_events WHERE client_id = ? AND last_error IS NOT NULL LIMIT 1")) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static Map<String, JsonNode> dedupe(List<JsonNode> events) {
        Map<String, JsonNode> unique = new LinkedHashMap<>();
        for (JsonNode e : events) {
            unique.putIfAbsent(e.get("event_id").asText(), e);
        }
        return unique;
    }

    private static List<QueuedMessage> queued(String client, int n) {
        List<QueuedMessage> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            list.add(new QueuedMessage(UuidV7.next(), client, MessageType.NORMAL, "+4917012345", "ACME", "hello",
                    System.currentTimeMillis(), 1, 0));
        }
        return list;
    }

    private static List<MessageStore.Final> finals(List<QueuedMessage> batch, MessageStatus status) {
        return batch.stream().map(m -> new MessageStore.Final(m, status, null,
                status == MessageStatus.SENT ? List.of("p-" + m.id()) : List.of(), null)).toList();
    }
}
