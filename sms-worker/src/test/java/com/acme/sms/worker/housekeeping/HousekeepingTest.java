package com.acme.sms.worker.housekeeping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.WorkerRunner;
import com.acme.sms.worker.consume.StreamConsumer;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The periodic tasks of a worker process against the real Redis. */
@QuarkusTest
class HousekeepingTest {

    static final Duration WAIT = Duration.ofSeconds(10);
    static final MessageType TYPE = MessageType.NORMAL;

    @Inject
    Housekeeping housekeeping;

    @Inject
    ConsumerPruning pruning;

    @Inject
    WorkerRunner runner;

    @Inject
    RedisDataSource redis;

    @BeforeEach
    void cleanQueues() {
        redis.key(String.class).del(RedisKeys.stream(TYPE), RedisKeys.deadLetterKey(TYPE), RedisKeys.retryKey(TYPE));
        StreamConsumer.ensureGroup(redis, TYPE);
    }

    @AfterEach
    void stop() {
        housekeeping.stop();
    }

    @Test
    void dueRetriesGoBackIntoTheStreamAndLaterOnesWait() {
        long now = System.currentTimeMillis();
        redis.sortedSet(String.class).zadd(RedisKeys.retryKey(TYPE), now - 1, "{\"a\":\"2\",\"id\":\"due\"}");
        redis.sortedSet(String.class).zadd(RedisKeys.retryKey(TYPE), now + 3_600_000, "{\"a\":\"2\",\"id\":\"later\"}");

        housekeeping.start(TYPE, "test-");

        await().atMost(WAIT).until(() -> redis.stream(String.class).xlen(RedisKeys.stream(TYPE)) == 1);
        List<StreamMessage<String, String, String>> moved = redis.stream(String.class)
                .xrange(RedisKeys.stream(TYPE), StreamRange.of("-", "+"));
        assertThat(moved.get(0).payload()).containsEntry("id", "due").containsEntry("a", "2");
        assertThat(redis.sortedSet(String.class).zrange(RedisKeys.retryKey(TYPE), 0, -1))
                .containsExactly("{\"a\":\"2\",\"id\":\"later\"}");
    }

    @Test
    void aFailingRunDoesNotStopTheTaskFromRunningAgain() {
        redis.value(String.class).set(RedisKeys.retryKey(TYPE), "not a sorted set");
        housekeeping.start(TYPE, "test-");
        long before = housekeeping.runs(Housekeeping.PROMOTE_DUE_RETRIES);
        await().pollDelay(Duration.ofMillis(600)).atMost(WAIT).until(() -> true); // a few failed runs
        assertThat(housekeeping.runs(Housekeeping.PROMOTE_DUE_RETRIES)).isEqualTo(before);

        redis.key(String.class).del(RedisKeys.retryKey(TYPE));
        redis.sortedSet(String.class).zadd(RedisKeys.retryKey(TYPE), 1, "{\"id\":\"due\"}");
        await().atMost(WAIT).until(() -> redis.stream(String.class).xlen(RedisKeys.stream(TYPE)) == 1);
        assertThat(housekeeping.runs(Housekeeping.PROMOTE_DUE_RETRIES)).isGreaterThan(before);
    }

    @Test
    void theRunningWorkerPromotesRetriesOncePerProcessNotInItsConsumers() {
        runner.start(TYPE);
        try {
            assertThat(housekeeping.running()).isTrue();
            redis.sortedSet(String.class).zadd(RedisKeys.retryKey(TYPE), 1, "{\"garbage\":\"retry\"}");
            // The consumers read the promoted entry (not a message: it ends in the dead letters).
            await().atMost(WAIT).until(() -> redis.stream(String.class).xlen(RedisKeys.deadLetterKey(TYPE)) == 1);
        } finally {
            runner.stopAndWait();
        }
        assertThat(housekeeping.running()).isFalse();
    }

    @Test
    void consumersOfGoneProcessesAreForgottenOnlyWhenNothingIsPendingWithThemAndNeverOurs() {
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("id", "1"));
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("id", "2"));
        read("finished-consumer", 1);
        String pendingEntry = read("consumer-with-pending", 1).get(0);
        assertThat(pendingEntry).isNotNull();
        join("test-ours-0");
        redis.stream(String.class).xack(RedisKeys.stream(TYPE), Streams.GROUP,
                redis.stream(String.class).xrange(RedisKeys.stream(TYPE), StreamRange.of("-", "+")).get(0).id());

        int forgotten = pruning.prune(TYPE, name -> name.startsWith("test-ours-"), Duration.ZERO);

        assertThat(forgotten).isEqualTo(1);
        assertThat(consumers()).contains("consumer-with-pending", "test-ours-0").doesNotContain("finished-consumer");
    }

    @Test
    void aConsumerThatResumesAndReadsWhilePruningRunsKeepsItsPendingEntries() {
        redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("id", "1"));
        join("resumed"); // idle, nothing pending: in the snapshot, a consumer to forget
        // The predicate is asked after the snapshot and before the deletion: the moment the consumer resumes and
        // reads a batch (a process that was paused, say). Deleting it now would drop its pending entry for good.
        int forgotten = pruning.prune(TYPE, name -> {
            if (name.equals("resumed")) {
                assertThat(read("resumed", 1)).hasSize(1);
            }
            return false;
        }, Duration.ZERO);

        assertThat(forgotten).isZero();
        assertThat(consumers()).contains("resumed");
        assertThat(redis.stream(String.class).xpending(RedisKeys.stream(TYPE), Streams.GROUP).getPendingCount())
                .isEqualTo(1);
    }

    @Test
    void recentlyActiveConsumersAreKept() {
        join("busy-a-second-ago"); // nothing pending, idle for milliseconds
        assertThat(pruning.prune(TYPE, name -> false, ConsumerPruning.FORGET_AFTER)).isZero();
        assertThat(consumers()).contains("busy-a-second-ago");
    }

    private void join(String consumer) {
        redis.execute("XGROUP", "CREATECONSUMER", RedisKeys.stream(TYPE), Streams.GROUP, consumer);
    }

    private List<String> read(String consumer, int count) {
        List<String> ids = new ArrayList<>();
        List<StreamMessage<String, String, String>> read = redis.stream(String.class).xreadgroup(Streams.GROUP, consumer,
                RedisKeys.stream(TYPE), ">", new XReadGroupArgs().count(Math.max(count, 1)));
        if (count > 0 && read != null) {
            read.forEach(m -> ids.add(m.id()));
        }
        return ids;
    }

    private List<String> consumers() {
        List<String> names = new ArrayList<>();
        for (var c : redis.execute("XINFO", "CONSUMERS", RedisKeys.stream(TYPE), Streams.GROUP)) {
            names.add(c.get("name").toString());
        }
        return names;
    }
}
