package com.acme.sms.worker.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.message.UuidV7;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.LiveCounts;
import com.acme.sms.worker.persist.MessageStore;
import com.acme.sms.worker.persist.UsageCounters;
import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Receipts from the stream to PostgreSQL, against the real Redis and PostgreSQL, one batch at a time. */
@QuarkusTest
class ReceiptApplierTest {

    @Inject
    ReceiptApplier applier;

    @Inject
    ReceiptStream stream;

    @Inject
    UnmatchedReceipts unmatched;

    @Inject
    MessageStore store;

    @Inject
    RedisDataSource redis;

    @Inject
    AgroalDataSource db;

    @Inject
    ReceiptsConfig config;

    @Inject
    com.acme.sms.worker.consume.SendBacklog backlog;

    String client;

    @BeforeEach
    void quietStream() {
        // This test applies batches itself; an applier thread started by another test would take them.
        applier.stop();
        redis.key(String.class).del(RedisKeys.receipts(), RedisKeys.unmatchedReceipts());
        stream.ensureGroup();
        client = "r-" + UUID.randomUUID().toString().substring(0, 12);
    }

    @AfterEach
    void countersMatchTheRows() throws SQLException {
        UsageCounters.assertMatchRows(db, client);
        // The sent-log finds a client's delivered and undelivered messages by the client and type on the outcome
        // (V14): an outcome naming another would show up in another client's log, or in none.
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT count(*) FILTER (WHERE o.client_id = m.client_id AND o.type = m.type), count(*)
                FROM messages m JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at
                WHERE m.client_id = ?""")) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).as("outcomes naming their message's client and type").isEqualTo(rs.getLong(2));
            }
        }
    }

    @Test
    void aDeliveredReceiptMakesTheMessageDeliveredWithItsDoneDate() throws Exception {
        UUID id = saveSent("p-" + client + "-1");
        Instant done = Instant.now().truncatedTo(ChronoUnit.MINUTES);

        receive(new Receipt("p-" + client + "-1", ReceiptState.DELIVRD, done, "000"));

        assertThat(row(id)).containsExactly("delivered", done.toString(), null, null);
    }

    @Test
    void theDashboardCountsDeliveredAndUndeliveredByType() throws Exception {
        long delivered = live("delivered:normal");
        long undelivered = live("undelivered:normal");
        saveSent("p-" + client + "-1");
        saveSent("p-" + client + "-2");

        receive(new Receipt("p-" + client + "-1", ReceiptState.DELIVRD, Instant.now(), "000"),
                new Receipt("p-" + client + "-2", ReceiptState.UNDELIV, Instant.now(), "001"));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(live("delivered:normal")).isGreaterThanOrEqualTo(delivered + 1);
            assertThat(live("undelivered:normal")).isGreaterThanOrEqualTo(undelivered + 1);
        });
    }

    private long live(String field) {
        return LiveCounts.sum(redis, field);
    }

    @Test
    void anUndeliveredReceiptKeepsItsErrorAndTheMessageStaysCharged() throws Exception {
        UUID id = saveSent("p-" + client + "-1");
        long balance = balance();

        receive(new Receipt("p-" + client + "-1", ReceiptState.UNDELIV, Instant.now(), "001"));

        assertThat(row(id)).startsWith("undelivered").endsWith("001", "receipt: UNDELIV (err 001)");
        assertThat(balance()).as("the SMSC took and charged it: no refund").isEqualTo(balance);
    }

    @Test
    void aFinalStatusNeverGoesBackAndIntermediateOrDuplicateReceiptsChangeNothing() throws Exception {
        UUID id = saveSent("p-" + client + "-1");
        UUID other = saveSent("p-" + client + "-2");
        Instant done = Instant.now().truncatedTo(ChronoUnit.MINUTES);

        receive(new Receipt("p-" + client + "-1", ReceiptState.DELIVRD, done, null),
                new Receipt("p-" + client + "-2", ReceiptState.ENROUTE, null, null));
        receive(new Receipt("p-" + client + "-1", ReceiptState.UNDELIV, Instant.now(), "005"),
                new Receipt("p-" + client + "-1", ReceiptState.DELIVRD, Instant.now(), null));

        assertThat(row(id)).containsExactly("delivered", done.toString(), null, null);
        assertThat(row(other).get(0)).as("en route is not an outcome").isEqualTo("sent");
        assertThat(unmatched.count()).isZero();
    }

    /**
     * A receipt finds its message on any day of sms.receipts.match-window (14 days; today's and yesterday's are
     * looked at first), never on a day before it.
     */
    @Test
    void aReceiptFindsItsMessageOnAnyDayOfTheMatchWindowAndNotBefore() throws Exception {
        Instant now = Instant.now();
        String p = "p-" + client + "-";
        UUID today = saveSent(p + "today", now.minus(Duration.ofMinutes(1)));
        UUID yesterday = saveSent(p + "yesterday", now.minus(Duration.ofDays(1)));
        UUID lastWeek = saveSent(p + "week", now.minus(Duration.ofDays(6)));
        UUID inTheWindow = saveSent(p + "window", now.minus(config.matchWindow()).plus(Duration.ofHours(1)));
        UUID beforeIt = saveSent(p + "old", now.minus(config.matchWindow()).minus(Duration.ofHours(1)));
        Instant done = now.truncatedTo(ChronoUnit.MINUTES);

        receive(new Receipt(p + "today", ReceiptState.DELIVRD, done, null),
                new Receipt(p + "yesterday", ReceiptState.DELIVRD, done, null),
                new Receipt(p + "week", ReceiptState.UNDELIV, done, "001"),
                new Receipt(p + "window", ReceiptState.DELIVRD, done, null),
                new Receipt(p + "old", ReceiptState.DELIVRD, done, null));

        assertThat(row(today).get(0)).isEqualTo("delivered");
        assertThat(row(yesterday).get(0)).isEqualTo("delivered");
        assertThat(row(lastWeek).get(0)).isEqualTo("undelivered");
        assertThat(row(inTheWindow).get(0)).isEqualTo("delivered");
        assertThat(row(beforeIt).get(0)).as("older than the match window: not looked for").isEqualTo("sent");
        assertThat(unmatched.count()).isEqualTo(1);
    }

    @Test
    void aReceiptThatOvertakesItsMessageIsKeptAndAppliedOnceTheRowIsThere() throws Exception {
        String pid = "p-" + client + "-early";
        receive(new Receipt(pid, ReceiptState.DELIVRD, Instant.now(), null));
        assertThat(unmatched.count()).isEqualTo(1);

        UUID id = saveSent(pid);
        applier.retryUnmatched(System.currentTimeMillis());

        assertThat(row(id).get(0)).isEqualTo("delivered");
        assertThat(unmatched.count()).isZero();
    }

    @Test
    void receiptsThatMatchNothingForMinutesDoNotKeepANewerOneFromItsTurn() throws Exception {
        // More than a batch of receipts that will never match (their messages were presumed sent, or are in another
        // database), kept ten minutes already, as an SMSC outage or an earlier test leaves them.
        long tenMinutesAgo = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        int stale = config.batchSize() + config.batchSize() / 2;
        java.util.Map<String, Double> kept = new java.util.HashMap<>();
        for (int i = 0; i < stale; i++) {
            kept.put(UnmatchedReceipts.member(new ReceiptStream.Stored(null,
                    new Receipt("p-" + client + "-gone" + i, ReceiptState.DELIVRD, null, null), tenMinutesAgo)),
                    (double) tenMinutesAgo);
        }
        redis.sortedSet(String.class).zadd(RedisKeys.unmatchedReceipts(), kept);
        String pid = "p-" + client + "-early";
        receive(new Receipt(pid, ReceiptState.DELIVRD, Instant.now(), null));
        UUID id = saveSent(pid);

        // Tried as the applier does, every sms.receipts.unmatched-retry.
        long now = System.currentTimeMillis();
        for (int i = 0; i < 3; i++) {
            applier.retryUnmatched(now + i * config.unmatchedRetry().toMillis());
        }

        assertThat(row(id).get(0)).isEqualTo("delivered");
        assertThat(unmatched.count()).as("the others kept for their hour").isEqualTo(stale);
        assertThat(unmatched.due(now + 2 * config.unmatchedRetry().toMillis(), stale)).as(
                "each waits about as long as it has waited already before its next try").isEmpty();
    }

    @Test
    void aReceiptWhoseRowIsSavedWhileItsBatchIsAppliedIsKeptForLaterNotLost() throws Exception {
        String early = "p-" + client + "-early";
        String other = "p-" + client + "-other";
        UUID otherId = saveSent(other);
        java.util.concurrent.CompletableFuture<Void> applying;
        UUID earlyId;
        try (Connection holder = db.getConnection()) {
            // Another transaction is inserting an outcome for the batch's other message, so the batch waits there,
            // after it has looked for its rows, until that transaction ends: a moment made to order for the early
            // receipt's row to be saved, as a worker saves a batch while its receipts are applied.
            holder.setAutoCommit(false);
            try (PreparedStatement ps = holder.prepareStatement("INSERT INTO message_outcomes (message_id, queued_at,"
                    + " outcome, client_id, type) SELECT id, queued_at, 'delivered', client_id, type FROM messages WHERE id = ?")) {
                ps.setObject(1, otherId);
                assertThat(ps.executeUpdate()).isOne();
            }
            stream.accept(List.of(new Receipt(early, ReceiptState.DELIVRD, Instant.now(), null),
                    new Receipt(other, ReceiptState.DELIVRD, Instant.now(), null)));
            List<ReceiptStream.Stored> read = stream.read("t", 100, Duration.ofMillis(10));
            applying = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    applier.applyEntries(read);
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> number(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                            + " AND query LIKE '%WITH r AS%' AND pid <> pg_backend_pid()") > 0);
            earlyId = saveSent(early);
            holder.rollback();
        }
        applying.get(30, java.util.concurrent.TimeUnit.SECONDS);
        applier.retryUnmatched(System.currentTimeMillis());

        assertThat(row(otherId).get(0)).isEqualTo("delivered");
        assertThat(row(earlyId).get(0)).as("applied once its row is seen, not taken for applied before").isEqualTo(
                "delivered");
        assertThat(unmatched.count()).isZero();
    }

    @Test
    void aReceiptForAnUnknownIdIsDroppedAfterTheRetention() throws Exception {
        receive(new Receipt("p-" + client + "-nobody", ReceiptState.DELIVRD, Instant.now(), null));
        applier.retryUnmatched(System.currentTimeMillis());
        assertThat(unmatched.count()).as("kept a while").isEqualTo(1);

        applier.retryUnmatched(System.currentTimeMillis() + config.unmatchedRetention().toMillis() + 1000);

        assertThat(unmatched.count()).isZero();
        assertThat(redis.stream(String.class).xlen(RedisKeys.receipts())).as("acknowledged and deleted").isZero();
    }

    @Test
    void aMessageInPartsIsDeliveredWhenEveryPartIsAndUndeliveredWhenAnyIsNot() throws Exception {
        String p = "p-" + client + "-";
        UUID whole = saveSent(List.of(p + "a1", p + "a2", p + "a3"));
        UUID broken = saveSent(List.of(p + "b1", p + "b2"));

        receive(new Receipt(p + "a1", ReceiptState.DELIVRD, Instant.now(), null),
                new Receipt(p + "b2", ReceiptState.EXPIRED, Instant.now(), "010"));
        assertThat(row(whole).get(0)).as("two parts still out").isEqualTo("sent");
        assertThat(row(broken)).startsWith("undelivered").endsWith("010", "receipt: EXPIRED (err 010)");

        receive(new Receipt(p + "a3", ReceiptState.DELIVRD, Instant.now(), null));
        assertThat(row(whole).get(0)).isEqualTo("sent");
        receive(new Receipt(p + "a2", ReceiptState.DELIVRD, Instant.now(), null),
                new Receipt(p + "b1", ReceiptState.DELIVRD, Instant.now(), null));

        assertThat(row(whole).get(0)).isEqualTo("delivered");
        assertThat(row(broken).get(0)).as("a part undelivered decides it").isEqualTo("undelivered");
        assertThat(number("SELECT segments FROM messages WHERE id = '" + whole + "'")).isEqualTo(3);
        assertThat(unmatched.count()).isZero();
    }

    @Test
    void aBatchAppliedTwiceAfterACrashChangesNothingMore() throws Exception {
        UUID id = saveSent("p-" + client + "-1");
        stream.accept(List.of(new Receipt("p-" + client + "-1", ReceiptState.DELIVRD, Instant.now(), null)));
        List<ReceiptStream.Stored> read = stream.read("t", 100, Duration.ofMillis(10));
        applier.applyEntries(read);
        String updated = updatedAt(id);

        // The entries taken over by another applier, as after a crash before the acknowledgement.
        applier.applyEntries(read);

        assertThat(row(id).get(0)).isEqualTo("delivered");
        assertThat(updatedAt(id)).isEqualTo(updated);
    }

    @Test
    void aBatchThatCannotFinishInTimeIsAppliedInSmallerPiecesSoTheRestGetsThrough() throws Exception {
        List<UUID> ids = sentWithDeliveredReceipts("", 40);
        List<ReceiptStream.Stored> read = stream.read("t", 100, Duration.ofMillis(10));
        // Another transaction is writing the last message's outcome and has not committed, as a slow or stuck
        // writer would: the batch's insert of the same key waits past sms.receipts.statement-timeout (1 s in tests).
        try (Connection holder = db.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement(
                    "INSERT INTO message_outcomes (message_id, queued_at, outcome, client_id, type)"
                            + " SELECT id, queued_at, 'delivered', client_id, type FROM messages WHERE id = ?")) {
                lock.setObject(1, ids.get(39));
                lock.executeUpdate();
            }
            assertThatThrownBy(() -> applier.applyEntries(read)).isInstanceOf(java.sql.SQLException.class);
            holder.rollback();
        }
        long delivered = ids.stream().filter(id -> {
            try {
                return row(id).get(0).equals("delivered");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).count();
        assertThat(delivered).as("the pieces without the held row went through").isGreaterThanOrEqualTo(30);

        applier.applyEntries(read); // taken over again, as unacknowledged entries are

        assertThat(row(ids.get(39)).get(0)).isEqualTo("delivered");
    }

    @Test
    void receiptsHandedOverTogetherShareStreamEntriesAndAllAreApplied() throws Exception {
        List<UUID> ids = sentWithDeliveredReceipts("g", 250);
        assertThat(redis.stream(String.class).xlen(RedisKeys.receipts())).as("100 receipts per entry").isEqualTo(3);

        List<ReceiptStream.Stored> read = stream.read("t", 1000, Duration.ofMillis(10));
        assertThat(read).hasSize(250);
        applier.applyEntries(read);

        for (UUID id : ids) {
            assertThat(row(id).get(0)).isEqualTo("delivered");
        }
        assertThat(redis.stream(String.class).xlen(RedisKeys.receipts())).as("acknowledged and deleted").isZero();
    }

    @Test
    void providerIdsWithTabsLineEndsOrPercentSignsComeBackAsTheyWere() {
        List<String> odd = List.of("a\tb", "c\nd", "e\r", "50%", "%41", "plain-" + client);
        stream.accept(odd.stream().map(id -> new Receipt(id, ReceiptState.UNDELIV, null, "err\t1")).toList());

        List<ReceiptStream.Stored> read = stream.read("t", 100, Duration.ofMillis(10));

        assertThat(read).extracting(s -> s.receipt().providerId()).containsExactlyElementsOf(odd);
        assertThat(read).extracting(s -> s.receipt().errorCode()).containsOnly("err\t1");
    }

    @Test
    void anEntryWrittenOneReceiptPerEntryAsBeforeIsStillRead() {
        redis.stream(String.class).xadd(RedisKeys.receipts(), java.util.Map.of("id", "old-" + client, "stat", "DELIVRD",
                "done", "1700000000000", "err", "", "at", "1700000001000"));

        List<ReceiptStream.Stored> read = stream.read("t", 100, Duration.ofMillis(10));

        assertThat(read).singleElement().satisfies(s -> {
            assertThat(s.receipt().providerId()).isEqualTo("old-" + client);
            assertThat(s.receipt().state()).isEqualTo(ReceiptState.DELIVRD);
            assertThat(s.receipt().doneAt()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_000L));
            assertThat(s.receivedAtMillis()).isEqualTo(1_700_000_001_000L);
        });
    }

    @Test
    void whileTheQueueHasABacklogReceiptsWaitTheirTurnAndAllAreAppliedOnceItIsGone() throws Exception {
        // The applier has been reading entries of 100 receipts (the simulated provider's), so it reads 10 at a time.
        List<Receipt> before = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            before.add(new Receipt("p-" + client + "-a" + i, ReceiptState.DELIVRD, Instant.now(), null));
        }
        stream.accept(before);
        List<ReceiptStream.Stored> first = stream.read("t", 1000, Duration.ofMillis(10));
        assertThat(first).hasSize(100);
        applier.applyEntries(first);
        List<Receipt> receipts = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            receipts.add(new Receipt("p-" + client + "-b" + i, ReceiptState.DELIVRD, Instant.now(), null));
        }
        stream.accept(receipts); // 30 entries of 100
        // As consumers behind a long queue report it; the report holds for 2 s, then the backlog is over.
        backlog.queueLength(backlog.threshold() + 1);
        applier.start("t");
        backlog.queueLength(backlog.threshold() + 1); // the 2 s count from here, past the quiet period below
        // sms.receipts.backlog-rate (100/s): an entry of 100, then a second's pause. Without the pause the
        // 3,000 go through in a few hundred milliseconds.
        org.awaitility.Awaitility.await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> redis.stream(String.class).xlen(RedisKeys.receipts()) >= 10);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> redis.stream(String.class).xlen(RedisKeys.receipts()) == 0);
        assertThat(unmatched.count()).as("every receipt was read: kept as unmatched").isGreaterThanOrEqualTo(3000);
        applier.stop();
    }

    /** Saves n sent messages and hands over a delivered receipt for each, in one call; returns their ids. */
    private List<UUID> sentWithDeliveredReceipts(String tag, int n) throws Exception {
        List<UUID> ids = new ArrayList<>();
        List<Receipt> receipts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(saveSent("p-" + client + "-" + tag + i));
            receipts.add(new Receipt("p-" + client + "-" + tag + i, ReceiptState.DELIVRD, Instant.now(), null));
        }
        stream.accept(receipts);
        return ids;
    }

    private void receive(Receipt... receipts) throws Exception {
        stream.accept(List.of(receipts));
        List<ReceiptStream.Stored> read = stream.read("t", 100, Duration.ofMillis(10));
        assertThat(read).hasSize(receipts.length);
        applier.applyEntries(read);
    }

    private UUID saveSent(String providerId) throws Exception {
        return saveSent(List.of(providerId));
    }

    /** A message accepted at the given time (its id carries it, and so its row's day), sent now. */
    private UUID saveSent(String providerId, Instant acceptedAt) throws Exception {
        UUID id = UuidV7.at(acceptedAt, 0);
        QueuedMessage m = new QueuedMessage(id, client, MessageType.NORMAL, "+4917012345", "ACME", "hello",
                acceptedAt.toEpochMilli(), 1, 0);
        store.save(MessageType.NORMAL, List.of(new MessageStore.Final(m, MessageStatus.SENT, null, List.of(providerId),
                null)), "test");
        return id;
    }

    /** A message the provider took, saved as the delivery pipeline saves it; one part per id. */
    private UUID saveSent(List<String> providerIds) throws Exception {
        UUID id = UuidV7.next();
        String content = providerIds.size() == 1 ? "hello" : "x".repeat(153 * (providerIds.size() - 1) + 1);
        QueuedMessage m = new QueuedMessage(id, client, MessageType.NORMAL, "+4917012345", "ACME", content,
                System.currentTimeMillis(), 1, 0);
        store.save(MessageType.NORMAL, List.of(new MessageStore.Final(m, MessageStatus.SENT, null, providerIds, null)),
                "test");
        return id;
    }

    /** status, delivered_at, error_code, error_message. */
    private List<String> row(UUID id) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT coalesce(o.outcome, m.status), o.delivered_at, coalesce(o.error_code, m.error_code),"
                                + " coalesce(o.error_message, m.error_message) FROM messages m"
                                + " LEFT JOIN message_outcomes o ON o.message_id = m.id WHERE m.id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                List<String> out = new ArrayList<>();
                out.add(rs.getString(1));
                out.add(rs.getTimestamp(2) == null ? null : rs.getTimestamp(2).toInstant().toString());
                out.add(rs.getString(3));
                out.add(rs.getString(4));
                return out;
            }
        }
    }

    private String updatedAt(UUID id) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c
                        .prepareStatement("SELECT applied_at::text FROM message_outcomes WHERE message_id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private long balance() throws Exception {
        return number("SELECT coalesce(sum(balance), 0) FROM credits WHERE client_id = '" + client + "'");
    }

    private long number(String sql) throws Exception {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
