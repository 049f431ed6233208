package com.acme.sms.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import com.acme.sms.acceptance.AcceptScript;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.queue.QueuePause;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.LiveCounts;
import com.acme.sms.worker.Management;
import com.acme.sms.worker.WorkerRunner;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.consume.SendBacklog;
import com.acme.sms.worker.consume.StreamConsumer;
import com.acme.sms.worker.persist.UsageCounters;
import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XPendingSummary;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The worker's delivery pipeline against the real Redis and PostgreSQL, one step at a time. */
@QuarkusTest
class DeliveryPipelineTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final MessageType TYPE = MessageType.NORMAL;

    @Inject
    DeliveryPipeline processor;

    @Inject
    CreditScripts credit;

    @Inject
    AcceptScript acceptance;

    @Inject
    RedisDataSource redis;

    @Inject
    AgroalDataSource db;

    @Inject
    WorkerConfig config;

    @Inject
    WorkerRunner runner;

    @Inject
    QueueScripts queue;

    @Inject
    QueuePause pause;

    @Inject
    Vertx vertx;

    String client;

    @BeforeEach
    void cleanQueues() {
        for (MessageType t : MessageType.values()) {
            redis.key(String.class).del(RedisKeys.stream(t), RedisKeys.deadLetterKey(t), RedisKeys.retryKey(t));
            StreamConsumer.ensureGroup(redis, t);
        }
        client = "w-" + UUID.randomUUID().toString().substring(0, 12);
    }

    @AfterEach
    void countersMatchTheRows() throws SQLException {
        UsageCounters.assertMatchRows(db, client);
    }

    @Test
    void sentMessagesArePersistedChargedInPostgresAndAcknowledged() throws Exception {
        List<UUID> ids = topUpAndAccept(10, "+4917012345", "+4917098765", "+4917011111");
        process(read("c1"), false);

        assertThat(statuses(ids)).containsOnly(Map.entry(ids.get(0), "sent"), Map.entry(ids.get(1), "sent"),
                Map.entry(ids.get(2), "sent"));
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(7);
        assertThat(number("SELECT sum(delta) FROM credit_ledger WHERE client_id = ? AND reason = 'sent'")).isEqualTo(-3);
        assertThat(redisBalance()).isEqualTo("7"); // charged at acceptance, not again
        assertQueueEmpty();
    }

    @Test
    void failedMessagesAreRecordedAndRefundedOnce() throws Exception {
        List<UUID> ids = topUpAndAccept(5, "+4917012345", "+99912345678", "+99912345679");
        assertThat(redisBalance()).isEqualTo("2");
        process(read("c1"), false);

        Map<UUID, String> status = statuses(ids);
        assertThat(status.get(ids.get(0))).isEqualTo("sent");
        assertThat(status.get(ids.get(1))).isEqualTo("failed");
        assertThat(status.get(ids.get(2))).isEqualTo("failed");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'recipient rejected%'"))
                .isEqualTo(2);
        assertThat(redisBalance()).isEqualTo("4"); // 5 - 3 charged + 2 refunded
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(4); // only the sent one
        assertQueueEmpty();
        Management.given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("sms_refunds_total{type=\"normal\"}"))
                .body(containsString("sms_messages_processed_total{status=\"failed\",type=\"normal\"}"))
                .body(containsString("sms_delivery_latency_seconds_bucket{type=\"normal\",le=\"0.1\"}"));
    }

    @Test
    void aMessageInSeveralPartsIsChargedAndRefundedItsCreditsNotOne() throws Exception {
        execute("INSERT INTO credits (client_id, name, balance) VALUES (?, 'test', 10)");
        execute("INSERT INTO credit_ledger (client_id, delta, reason) VALUES (?, 10, 'top_up')");
        credit.add(client, System.nanoTime(), 10).await().atMost(WAIT);
        // As the API prices them: 3 parts sent, 2 parts to a recipient the provider refuses.
        AcceptScript.Outgoing sent = new AcceptScript.Outgoing(UuidV7.next(), "+4917012345", "App", "a".repeat(400), 3);
        AcceptScript.Outgoing failed = new AcceptScript.Outgoing(UuidV7.next(), "+99912345678", "App", "b".repeat(200), 2);
        assertThat(acceptance.accept(client, TYPE, List.of(sent, failed)).await().atMost(WAIT).accepted()).isEqualTo(2);
        assertThat(redisBalance()).isEqualTo("5");
        process(read("c1"), false);

        assertThat(statuses(List.of(sent.id(), failed.id())))
                .containsOnly(Map.entry(sent.id(), "sent"), Map.entry(failed.id(), "failed"));
        assertThat(number("SELECT sum(credits) FROM messages WHERE client_id = ? AND status = 'sent'")).isEqualTo(3);
        assertThat(redisBalance()).isEqualTo("7"); // 10 - 5 charged + 2 refunded
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(7);
        assertThat(number("SELECT sum(delta) FROM credit_ledger WHERE client_id = ? AND reason = 'sent'")).isEqualTo(-3);

        // A second delivery of the failed entry refunds nothing more.
        assertThat(credit.refundCharged(client, List.of(new CreditScripts.Refund(failed.id(), 2))).await().atMost(WAIT))
                .isZero();
        assertThat(redisBalance()).isEqualTo("7");
    }

    @Test
    void anEntryDeliveredTwiceGivesOneRowAndOneRefund() throws Exception {
        List<UUID> ids = topUpAndAccept(4, "+4917012345", "+99912345678");
        List<StreamEntry> entries = read("c1");
        process(entries, false);
        // The same entries again: as after a reclaim (a consumer died before its acknowledgement), and as a
        // plain redelivery that does not even know it is one.
        process(entries, true);
        process(entries, false);

        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ?")).isEqualTo(2);
        assertThat(statuses(ids).values()).containsExactlyInAnyOrder("sent", "failed");
        assertThat(redisBalance()).isEqualTo("3"); // 4 - 2 + 1 refund, once
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(3);
        assertThat(number("SELECT count(*) FROM credit_ledger WHERE client_id = ? AND reason = 'sent'")).isEqualTo(1);
        assertQueueEmpty();
    }

    @Test
    void entriesLeftByADeadConsumerAreTakenOverAndFinished() throws Exception {
        List<UUID> ids = topUpAndAccept(3, "+4917012345", "+4917098765");
        read("dead-consumer"); // read, never acknowledged: the consumer "died"
        assertThat(pending().getPendingCount()).isEqualTo(2);

        StreamConsumer survivor = new StreamConsumer(TYPE, "survivor", processor, redis, config, new SendBacklog(config));
        await().atMost(WAIT).untilAsserted(() -> {
            survivor.reclaim(RedisKeys.stream(TYPE));
            assertThat(statuses(ids)).hasSize(2).containsValues("sent");
        });
        assertQueueEmpty();
        assertThat(redisBalance()).isEqualTo("1");
    }

    @Test
    void whatABatchDidIsAddedToTheSystemWideLiveCountersThatExpireOnTheirOwn() throws Exception {
        long sentBefore = live("sent:normal");
        long failedBefore = live("failed:normal");
        long refundedBefore = live("refunded:normal");
        topUpAndAccept(5, "+4917012345", "+4917098765", "+99912345678");
        process(read("c1"), false);

        // Flushed once a second by every process into steps of 5 s that the dashboard sums.
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(live("sent:normal")).isGreaterThanOrEqualTo(sentBefore + 2);
            assertThat(live("failed:normal")).isGreaterThanOrEqualTo(failedBefore + 1);
            assertThat(live("refunded:normal")).isGreaterThanOrEqualTo(refundedBefore + 1);
        });
        for (String key : redis.key(String.class).keys("sms:live:1*")) {
            assertThat(redis.key(String.class).ttl(key)).as(key).isBetween(1L, 16 * 60L);
        }
    }

    @Test
    void aRunningWorkerIsListedForTheDashboardAndTakesItselfOffWhenItStops() throws Exception {
        runner.start(TYPE);
        String id;
        try {
            id = await().atMost(WAIT).until(() -> redis.hash(String.class).hgetall(RedisKeys.liveProcesses()).entrySet()
                    .stream().filter(e -> e.getValue().contains("\"queue\":\"normal\"")
                            && e.getValue().contains("\"consumers\":" + config.concurrency() + ","))
                    .map(Map.Entry::getKey).findFirst().orElse(null), java.util.Objects::nonNull);
        } finally {
            runner.stopAndWait();
        }
        assertThat(redis.hash(String.class).hexists(RedisKeys.liveProcesses(), id)).as("stopped cleanly: not listed")
                .isFalse();
        // No flush after the stop puts it back.
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3))
                .until(() -> !redis.hash(String.class).hexists(RedisKeys.liveProcesses(), id));
    }

    private long live(String field) {
        return LiveCounts.sum(redis, field);
    }

    @Test
    void aPausedQueueIsNotReadUntilItIsResumed() throws Exception {
        pause.watch(vertx);
        redis.value(String.class).set(RedisKeys.paused(TYPE), "test");
        StreamConsumer consumer = null;
        Thread thread = null;
        try {
            await().atMost(WAIT).until(() -> pause.paused(TYPE));
            List<UUID> ids = topUpAndAccept(3, "+4917012345", "+4917098765");
            consumer = new StreamConsumer(TYPE, "pausable", processor, redis, config, new SendBacklog(config),
                    () -> pause.paused(TYPE));
            thread = new Thread(consumer, "pausable");
            thread.start();

            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> statuses(ids).isEmpty()
                    && pending().getPendingCount() == 0);
            assertThat(redis.stream(String.class).xlen(RedisKeys.stream(TYPE))).as("waiting, unread").isEqualTo(2);

            redis.key(String.class).del(RedisKeys.paused(TYPE));
            await().atMost(WAIT).untilAsserted(() -> assertThat(statuses(ids)).hasSize(2).containsValues("sent"));
            assertQueueEmpty();
        } finally {
            redis.key(String.class).del(RedisKeys.paused(TYPE));
            if (consumer != null) {
                consumer.stop();
                thread.join(10_000);
            }
        }
    }

    @Test
    void aMessageThatKeepsComingBackIsDeadLetteredFailedAndRefunded() throws Exception {
        List<UUID> ids = topUpAndAccept(2, "+4917012345");
        List<StreamEntry> entries = read("c1");
        StreamEntry tooOften = new StreamEntry(entries.get(0).entryId(), entries.get(0).fields(), config.maxDeliveries() + 1);
        process(List.of(tooOften), true);

        assertThat(statuses(ids)).containsEntry(ids.get(0), "failed");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'dead-lettered%'"))
                .isEqualTo(1);
        assertThat(redisBalance()).isEqualTo("2");
        List<StreamMessage<String, String, String>> dead = redis.stream(String.class)
                .xrange(RedisKeys.deadLetterKey(TYPE), io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).payload()).containsEntry("id", ids.get(0).toString()).containsKey("reason");
        assertQueueEmpty();
    }

    @Test
    void entriesProcessedAgainAfterTheirFinishAreDeadLetteredAndRefundedOnce() throws Exception {
        List<UUID> ids = topUpAndAccept(2, "+4917012345");
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("garbage", "yes"));
        List<StreamEntry> entries = read("c1");
        StreamEntry tooOften = new StreamEntry(entries.get(0).entryId(), entries.get(0).fields(), config.maxDeliveries() + 1);
        List<StreamEntry> batch = List.of(tooOften, entries.get(1));
        process(batch, true);
        // A consumer that stalled past the reclaim timeout resumes and runs the same batch through every step
        // again, after the consumer that took it over has finished it.
        process(batch, true);

        assertThat(redis.stream(String.class).xrange(RedisKeys.deadLetterKey(TYPE),
                io.quarkus.redis.datasource.stream.StreamRange.of("-", "+")))
                .extracting(m -> m.payload().get("reason"))
                .containsExactlyInAnyOrder("malformed entry",
                        "delivered " + (config.maxDeliveries() + 1) + " times without finishing");
        assertThat(statuses(ids)).containsEntry(ids.get(0), "failed");
        assertThat(redisBalance()).isEqualTo("2");
        assertQueueEmpty();
    }

    @Test
    void aMalformedEntryIsDeadLetteredAndDoesNotBlockTheRest() throws Exception {
        List<UUID> ids = topUpAndAccept(1, "+4917012345");
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("garbage", "yes"));
        process(read("c1"), false);

        assertThat(statuses(ids)).containsEntry(ids.get(0), "sent");
        assertThat(redis.stream(String.class).xlen(RedisKeys.deadLetterKey(TYPE))).isEqualTo(1);
        assertQueueEmpty();
    }

    @Test
    void theRunningWorkerDrainsItsQueueAndStopsCleanly() throws Exception {
        List<UUID> ids = topUpAndAccept(50, "+4917012345", "+4917098765", "+99900000000");
        runner.start(TYPE);
        try {
            await().atMost(WAIT).untilAsserted(() -> assertThat(statuses(ids)).hasSize(3));
            assertQueueEmpty();
            Management.given().when().get("/q/health/live").then().statusCode(200);
        } finally {
            runner.stopAndWait();
        }
        assertThat(runner.threads()).isEmpty();
        assertThat(redisBalance()).isEqualTo("48");
    }

    @Test
    void aWorkerStoppedWhileABacklogDrainsLeavesNothingPendingToItself() throws Exception {
        // Many full batches, so the consumers read the next batch ahead while sending one, and are still at it when
        // told to stop.
        int n = config.batchSize() * 40;
        String[] recipients = new String[n];
        java.util.Arrays.fill(recipients, "+4917012345");
        topUpAndAccept(n, recipients);
        runner.start(TYPE);
        try {
            await().pollInterval(Duration.ofMillis(2)).atMost(WAIT)
                    .until(() -> number("SELECT count(*) FROM messages WHERE client_id = ?") >= config.batchSize());
        } finally {
            runner.stopAndWait();
        }
        // What the stopped consumers read, ahead or not, they finished: nothing waits reclaim-idle for a takeover.
        assertThat(pending().getPendingCount()).isZero();
        long saved = number("SELECT count(*) FROM messages WHERE client_id = ?");
        assertThat(saved).as("stopped while draining").isLessThan(n);
        assertThat(redis.stream(String.class).xlen(RedisKeys.stream(TYPE))).isEqualTo(n - saved);
    }

    @Test
    void aDeletedStreamOrGroupIsRecreatedAndTheRunningWorkerGoesOn() throws Exception {
        runner.start(TYPE);
        try {
            // An operator deletes the queue (or restores an old snapshot without the group): every read answers
            // NOGROUP, and before issue 17 the consumers looped on it for good.
            redis.key(String.class).del(RedisKeys.stream(TYPE));
            List<UUID> ids = topUpAndAccept(2, "+4917012345");
            await().atMost(WAIT).untilAsserted(() -> assertThat(statuses(ids)).containsValue("sent"));
            assertQueueEmpty();
        } finally {
            runner.stopAndWait();
        }
    }

    @Test
    void aTransientFailureIsRetriedWithBackoffShownAsQueuedAndRefundedOnlyWhenItFinallyFails() throws Exception {
        List<UUID> ids = topUpAndAccept(5, "+88812345678");
        UUID id = ids.get(0);
        process(read("c1"), false);
        assertThat(saved(id)).isEqualTo("queued/1");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'provider timeout%'"))
                .isEqualTo(1);
        assertThat(redisBalance()).isEqualTo("4"); // not refunded while a retry is pending
        assertThat(redis.sortedSet(String.class).zcard(RedisKeys.retryKey(TYPE))).isEqualTo(1);
        assertQueueEmpty();

        for (int attempt = 2; attempt <= 3; attempt++) {
            await().atMost(WAIT).until(() -> queue.moveDueRetries(TYPE, 100).await().atMost(WAIT) == 1);
            List<StreamEntry> retry = read("c1");
            assertThat(retry).hasSize(1);
            assertThat(retry.get(0).fields()).containsEntry("a", Integer.toString(attempt)).containsEntry("id", id.toString());
            process(retry, false);
        }
        assertThat(saved(id)).isEqualTo("failed/3");
        assertThat(
                number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE '%gave up after 3 attempts%'"))
                .isEqualTo(1);
        assertThat(redisBalance()).isEqualTo("5"); // refunded once, at the end
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(5);
        assertThat(redis.sortedSet(String.class).zcard(RedisKeys.retryKey(TYPE))).isZero();
        assertQueueEmpty();
    }

    @Test
    void aRetryThatSucceedsIsChargedOnceAndARepeatedAttemptSchedulesOneRetry() throws Exception {
        List<UUID> ids = topUpAndAccept(5, "+88812345678");
        List<StreamEntry> first = read("c1");
        process(first, false);
        process(first, true); // the same attempt again (say, reclaimed): recorded once, one retry in the schedule
        assertThat(redis.sortedSet(String.class).zcard(RedisKeys.retryKey(TYPE))).isEqualTo(1);
        assertThat(saved(ids.get(0))).isEqualTo("queued/1");

        // The retry, as the schedule would put it back, but now the provider takes it.
        Map<String, String> second = new java.util.HashMap<>(first.get(0).fields());
        second.put("a", "2");
        second.put("to", "+4917012345");
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), second);
        process(read("c1"), false);
        assertThat(saved(ids.get(0))).isEqualTo("sent/2");
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(4);
        assertThat(redisBalance()).isEqualTo("4");
        // A late copy of the first attempt changes nothing any more.
        process(first, true);
        assertThat(saved(ids.get(0))).isEqualTo("sent/2");
        assertThat(number("SELECT count(*) FROM credit_ledger WHERE client_id = ? AND reason = 'sent'")).isEqualTo(1);
    }

    @Test
    void anExpressMessageNotSentWithinItsValidityFailsAsExpiredAndIsRefunded() throws Exception {
        execute("INSERT INTO credits (client_id, name, balance) VALUES (?, 'test', 3)");
        credit.add(client, System.nanoTime(), 3).await().atMost(WAIT);
        UUID id = UuidV7.next();
        acceptance.accept(client, MessageType.EXPRESS,
                List.of(new AcceptScript.Outgoing(id, "+4917012345", "App", "OTP 1234")), 1, null).await().atMost(WAIT);
        List<StreamEntry> entries = new ArrayList<>();
        for (StreamMessage<String, String, String> m : redis.stream(String.class).xreadgroup(Streams.GROUP, "c1",
                RedisKeys.stream(MessageType.EXPRESS), ">", new XReadGroupArgs().count(10))) {
            entries.add(new StreamEntry(m.id(), m.payload(), 1));
        }
        assertThat(entries.get(0).fields()).containsKey("x");
        processor.process(MessageType.EXPRESS, entries, false, "c1", () -> true);

        assertThat(saved(id)).isEqualTo("failed/1");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'expired%'")).isEqualTo(1);
        assertThat(redisBalance()).isEqualTo("3");
        Management.given().when().get("/q/metrics").then().body(containsString("sms_messages_expired_total{type=\"express\"}"));
    }

    @Test
    void aBatchTakenOverAfterItsSendIsPresumedSentNotSentAgain() throws Exception {
        List<UUID> ids = topUpAndAccept(5, "+4917012345", "+4917098765", "+4917011111");
        List<StreamEntry> entries = read("c1");
        // c1 sends, then cannot write PostgreSQL and gives up (as a crash or SIGTERM between the provider's answer and
        // the write would): the batch stays pending with c1.
        failWritesOfTheClient();
        try {
            assertThatThrownBy(() -> processor.process(TYPE, entries, false, "c1", () -> false))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            allowWritesOfTheClient();
        }
        assertThat(sends(ids)).containsOnlyKeys(ids).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(statuses(ids)).isEmpty();

        StreamConsumer survivor = new StreamConsumer(TYPE, "survivor", processor, redis, config, new SendBacklog(config));
        await().atMost(WAIT).untilAsserted(() -> {
            survivor.reclaim(RedisKeys.stream(TYPE));
            assertThat(statuses(ids)).hasSize(3);
        });

        assertThat(sends(ids)).as("provider sends per message").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(statuses(ids).values()).containsOnly("sent");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'presumed sent:%'"))
                .isEqualTo(3);
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(2);
        assertThat(redisBalance()).isEqualTo("2");
        assertQueueEmpty();
        assertThat(redis.hash(String.class).hlen(RedisKeys.handed(TYPE))).as("handed records end with the ack").isZero();
    }

    @Test
    void aFirstDeliveryWaitingForASlowPostgresDoesNotLeaveItsMessagesMarkedAsHanded() throws Exception {
        List<UUID> ids = topUpAndAccept(5, "+4917012345", "+4917098765");
        List<StreamEntry> entries = read("c1");
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        // The lookup before the send waits behind a lock on the table (a slow PostgreSQL).
        try (Connection locker = db.getConnection(); java.sql.Statement st = locker.createStatement()) {
            locker.setAutoCommit(false);
            st.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
            java.util.concurrent.Future<?> processing = thread.submit(() -> {
                processor.process(TYPE, entries, false, "c1", () -> true);
                return null;
            });
            // The marks were set in parallel with the lookup; once it is late they are withdrawn, so a consumer that
            // died now would leave messages to be sent by whoever takes them over, not presumed sent.
            await().pollDelay(DeliveryPipeline.MARK_LEAD).atMost(WAIT).untilAsserted(() -> assertThat(
                    redis.hash(String.class).hmget(RedisKeys.handed(TYPE), ids.get(0).toString(), ids.get(1).toString())
                            .values())
                    .containsOnlyNulls());
            assertThat(sends(ids)).as("nothing sent while PostgreSQL is asked").isEmpty();
            locker.rollback();
            processing.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } finally {
            thread.shutdownNow();
        }
        assertThat(sends(ids)).as("provider sends per message").containsOnlyKeys(ids)
                .allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(statuses(ids).values()).containsExactly("sent", "sent");
        assertThat(redisBalance()).isEqualTo("3");
        assertQueueEmpty();
        assertThat(redis.hash(String.class).hlen(RedisKeys.handed(TYPE))).as("handed records end with the ack").isZero();
    }

    @Test
    void aLiveButSlowBatchIsNotTakenOverAndNotSentTwice() throws Exception {
        List<UUID> ids = topUpAndAccept(5, "+4917012345", "+4917098765");
        List<StreamEntry> entries = read("c1");
        failWritesOfTheClient();
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(2);
        StreamConsumer other = new StreamConsumer(TYPE, "other", processor, redis, config, new SendBacklog(config));
        try {
            // c1 is alive: it sent and keeps trying to write PostgreSQL, for longer than reclaim-idle.
            java.util.concurrent.Future<?> slow = threads.submit(() -> {
                processor.process(TYPE, entries, false, "c1", () -> true);
                return null;
            });
            await().atMost(WAIT).until(() -> sends(ids).size() == 2);
            // Meanwhile another consumer looks for entries to take over, for twice reclaim-idle.
            java.util.concurrent.Future<?> taker = threads.submit(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    other.reclaim(RedisKeys.stream(TYPE));
                    Thread.sleep(100);
                }
                return null;
            });
            await().pollDelay(config.reclaimIdle().multipliedBy(2)).atMost(WAIT.plus(WAIT)).until(() -> true);
            other.stop();
            allowWritesOfTheClient();
            slow.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            taker.cancel(true);
        } finally {
            other.stop();
            allowWritesOfTheClient();
            threads.shutdownNow();
        }

        assertThat(sends(ids)).as("provider sends per message").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(statuses(ids).values()).containsOnly("sent");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message IS NOT NULL")).isZero();
        assertThat(redisBalance()).isEqualTo("3");
        assertQueueEmpty();
    }

    @Test
    void aSentMessageTakenOverTooOftenIsNeitherFailedNorRefundedNorDeadLettered() throws Exception {
        List<UUID> ids = topUpAndAccept(2, "+4917012345");
        List<StreamEntry> entries = read("c1");
        failWritesOfTheClient();
        try {
            assertThatThrownBy(() -> processor.process(TYPE, entries, false, "c1", () -> false))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            allowWritesOfTheClient();
        }
        // Taken over again and again (a consumer that froze each time), until the count passes max-deliveries.
        StreamEntry tooOften = new StreamEntry(entries.get(0).entryId(), entries.get(0).fields(), config.maxDeliveries() + 1);
        processor.process(TYPE, List.of(tooOften), true, "c1", () -> true);

        assertThat(statuses(ids)).containsEntry(ids.get(0), "sent");
        assertThat(sends(ids)).containsEntry(ids.get(0), 1);
        assertThat(redis.stream(String.class).xlen(RedisKeys.deadLetterKey(TYPE))).isZero();
        assertThat(redisBalance()).as("charged, not refunded").isEqualTo("1");
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(1);
        assertQueueEmpty();
    }

    @Test
    void aMessagePostgresRefusesIsIsolatedDeadLetteredAndRefundedAndTheRestGoThrough() throws Exception {
        List<UUID> good = topUpAndAccept(5, "+4917012345", "+4917098765", "+4917011111");
        // A recipient longer than its column: the API never queues one, but an entry written straight into the
        // stream (an older API, an operator, a bug) can carry one, and PostgreSQL refuses it on every attempt.
        UUID bad = UuidV7.next();
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("id", bad.toString(), "c", client,
                "to", "+49170123456789012345", "f", "App", "b", "too long", "q", Long.toString(System.currentTimeMillis())));
        redis.value(String.class).decr(RedisKeys.balance(client)); // charged, as acceptance would have
        assertThat(redisBalance()).isEqualTo("1");

        // Gives up after a few attempts, as a stopping worker does; the code before issue 17 retried it forever.
        int[] attempts = {0};
        processor.process(TYPE, read("c1"), false, "c1", () -> ++attempts[0] < 5);

        Map<UUID, String> status = statuses(List.of(good.get(0), good.get(1), good.get(2), bad));
        assertThat(status).containsEntry(good.get(0), "sent").containsEntry(good.get(1), "sent")
                .containsEntry(good.get(2), "sent").containsEntry(bad, "failed");
        assertThat(number("SELECT count(*) FROM messages WHERE client_id = ? AND error_message LIKE 'refused by PostgreSQL%'"))
                .isEqualTo(1);
        assertThat(redisBalance()).isEqualTo("2"); // the refused one refunded
        assertThat(number("SELECT balance FROM credits WHERE client_id = ?")).isEqualTo(2); // three sent
        List<StreamMessage<String, String, String>> dead = redis.stream(String.class)
                .xrange(RedisKeys.deadLetterKey(TYPE), io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"));
        assertThat(dead).singleElement().satisfies(d -> assertThat(d.payload()).containsEntry("id", bad.toString())
                .hasEntrySatisfying("reason", r -> assertThat(r).startsWith("refused by PostgreSQL")));
        assertQueueEmpty();
    }

    @Test
    void aCorruptBalanceOfOneClientParksItsRefundAndDoesNotBlockTheOthers() throws Exception {
        String healthy = client;
        List<UUID> healthyIds = topUpAndAccept(3, "+99912345678");
        client = "w-" + UUID.randomUUID().toString().substring(0, 12);
        List<UUID> corruptIds = topUpAndAccept(3, "+99912345679");
        redis.value(String.class).set(RedisKeys.balance(client), "not a number");

        processor.process(TYPE, read("c1"), false, "c1", () -> true);

        assertThat(statuses(List.of(healthyIds.get(0), corruptIds.get(0))).values()).containsOnly("failed");
        assertThat(redis.value(String.class).get(RedisKeys.balance(healthy))).isEqualTo("3"); // refunded
        assertThat(redisBalance()).isEqualTo("not a number"); // left for the operator
        assertThat(redis.hash(String.class).hgetall(RedisKeys.refundsParked()))
                .containsOnlyKeys(client + ":" + corruptIds.get(0));
        // Parked counts as refunded for redeliveries: the rebuild of the balance gives the credit back once.
        processor.process(TYPE, List.of(new StreamEntry("0-1", Map.of("id", corruptIds.get(0).toString(), "c", client,
                "to", "+99912345679", "f", "App", "b", "x", "q", "1"), 1)), true, "c1", () -> true);
        assertThat(redis.hash(String.class).hlen(RedisKeys.refundsParked())).isEqualTo(1);
        Management.given().when().get("/q/metrics").then().body(containsString("sms_refunds_parked_total 1.0"));
        assertQueueEmpty();
        // Other modules' tests share this Redis database: leave no corrupt key behind for their reconciliation.
        redis.key(String.class).del(RedisKeys.refundsParked(), RedisKeys.balance(client));
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private List<UUID> topUpAndAccept(long topUp, String... recipients) throws SQLException {
        execute("INSERT INTO credits (client_id, name, balance) VALUES (?, 'test', " + topUp + ")");
        execute("INSERT INTO credit_ledger (client_id, delta, reason) VALUES (?, " + topUp + ", 'top_up')");
        credit.add(client, System.nanoTime(), topUp).await().atMost(WAIT);
        List<AcceptScript.Outgoing> out = new ArrayList<>();
        for (String to : recipients) {
            out.add(new AcceptScript.Outgoing(UuidV7.next(), to, "App", "hello " + to));
        }
        assertThat(acceptance.accept(client, TYPE, out).await().atMost(WAIT).accepted()).isEqualTo(recipients.length);
        return out.stream().map(AcceptScript.Outgoing::id).toList();
    }

    private List<StreamEntry> read(String consumer) {
        List<StreamEntry> entries = new ArrayList<>();
        for (StreamMessage<String, String, String> m : redis.stream(String.class)
                .xreadgroup(Streams.GROUP, consumer, RedisKeys.stream(TYPE), ">", new XReadGroupArgs().count(100))) {
            entries.add(new StreamEntry(m.id(), m.payload(), 1));
        }
        return entries;
    }

    private void process(List<StreamEntry> entries, boolean mayHaveBeenSeen) throws InterruptedException {
        // The consumer that read them: a consumer sends only the entries it still owns.
        processor.process(TYPE, entries, mayHaveBeenSeen, "c1", () -> true);
    }

    private XPendingSummary pending() {
        return redis.stream(String.class).xpending(RedisKeys.stream(TYPE), Streams.GROUP);
    }

    private void assertQueueEmpty() {
        assertThat(redis.stream(String.class).xlen(RedisKeys.stream(TYPE))).isZero();
        assertThat(pending().getPendingCount()).isZero();
    }

    /** "status/attempts" of the message's row. */
    private String saved(UUID id) throws SQLException {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT status, attempts FROM messages WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) + "/" + rs.getInt(2) : null;
            }
        }
    }

    /** How often the simulated provider took each of the messages (its send log; absent: never). */
    private Map<UUID, Integer> sends(List<UUID> ids) throws java.io.IOException {
        java.nio.file.Path log = java.nio.file.Path.of(
                org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("sms.provider.send-log", String.class));
        Map<UUID, Integer> counts = new java.util.HashMap<>();
        if (java.nio.file.Files.exists(log)) {
            for (String line : java.nio.file.Files.readAllLines(log)) {
                UUID id = UUID.fromString(line.trim());
                if (ids.contains(id)) {
                    counts.merge(id, 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /** PostgreSQL refuses this client's message rows, as a transient outage would (a connection failure). */
    private void failWritesOfTheClient() throws SQLException {
        try (Connection c = db.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("""
                    CREATE OR REPLACE FUNCTION test_refuse_%1$s() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                      RAISE EXCEPTION 'simulated outage' USING ERRCODE = '08006';
                    END $$;
                    CREATE TRIGGER test_refuse_%1$s BEFORE INSERT OR UPDATE ON messages FOR EACH ROW
                      WHEN (NEW.client_id = '%2$s') EXECUTE FUNCTION test_refuse_%1$s();
                    """.formatted(client.replace('-', '_'), client));
        }
    }

    private void allowWritesOfTheClient() throws SQLException {
        try (Connection c = db.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER IF EXISTS test_refuse_%1$s ON messages; DROP FUNCTION IF EXISTS test_refuse_%1$s()"
                    .formatted(client.replace('-', '_')));
        }
    }

    private String redisBalance() {
        return redis.value(String.class).get(RedisKeys.balance(client));
    }

    private Map<UUID, String> statuses(List<UUID> ids) throws SQLException {
        Map<UUID, String> found = new java.util.HashMap<>();
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT id, status FROM messages WHERE id = ANY(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getObject(1, UUID.class), rs.getString(2));
                }
            }
        }
        return found;
    }

    private long number(String sql) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, client);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, client);
            ps.executeUpdate();
        }
    }
}
