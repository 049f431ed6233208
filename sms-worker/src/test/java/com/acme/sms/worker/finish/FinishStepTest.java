package com.acme.sms.worker.finish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.consume.StreamConsumer;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The finish step's one Redis script (lua/ack.lua) against the real Redis. */
@QuarkusTest
class FinishStepTest {

    static final MessageType TYPE = MessageType.NORMAL;

    @Inject
    FinishStep finish;

    @Inject
    RedisDataSource redis;

    @BeforeEach
    void cleanQueues() {
        redis.key(String.class).del(RedisKeys.stream(TYPE), RedisKeys.deadLetterKey(TYPE), RedisKeys.retryKey(TYPE));
        StreamConsumer.ensureGroup(redis, TYPE);
    }

    @Test
    void theSamePoisonEntryFinishedTwiceLeavesOneDeadLetter() {
        List<String> ids = queueAndRead(Map.of("id", "poison", "c", "acme"));
        QueueScripts.DeadLetter letter = new QueueScripts.DeadLetter(ids.get(0),
                Map.of("id", "poison", "c", "acme", "reason", "delivered 6 times without finishing", "entry", ids.get(0)));

        assertThat(finish.finish(TYPE, ids, List.of(), List.of(letter))).isEqualTo(new QueueScripts.Finished(1, 1));
        // As after a crash right after the script, or by a consumer that had taken the batch over: nothing new.
        assertThat(finish.finish(TYPE, ids, List.of(), List.of(letter))).isEqualTo(new QueueScripts.Finished(0, 0));

        List<StreamMessage<String, String, String>> dead = redis.stream(String.class)
                .xrange(RedisKeys.deadLetterKey(TYPE), StreamRange.of("-", "+"));
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).payload()).isEqualTo(letter.fields());
        assertStreamDrained();
    }

    @Test
    void retriesAcknowledgementsAndDeadLettersHappenInOneCall() {
        List<String> ids = queueAndRead(Map.of("id", "retry-me"), Map.of("garbage", "yes"));
        QueueScripts.Finished done = finish.finish(TYPE, ids,
                List.of(new FinishStep.Retry(12345, Map.of("id", "retry-me", "a", "2"))),
                List.of(new QueueScripts.DeadLetter(ids.get(1), Map.of("garbage", "yes", "reason", "malformed entry"))));

        assertThat(done).isEqualTo(new QueueScripts.Finished(2, 1));
        assertThat(redis.sortedSet(String.class).zrangeWithScores(RedisKeys.retryKey(TYPE), 0, -1))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.value()).isEqualTo("{\"a\":\"2\",\"id\":\"retry-me\"}");
                    assertThat(r.score()).isEqualTo(12345.0);
                });
        assertThat(redis.stream(String.class).xlen(RedisKeys.deadLetterKey(TYPE))).isEqualTo(1);
        assertStreamDrained();
    }

    @Test
    void aDeadLetterKeyOfTheWrongTypeFailsBeforeAnyWrite() {
        List<String> ids = queueAndRead(Map.of("id", "x"));
        redis.value(String.class).set(RedisKeys.deadLetterKey(TYPE), "not a stream");

        assertThatThrownBy(() -> finish.finish(TYPE, ids, List.of(new FinishStep.Retry(1, Map.of("id", "x"))),
                List.of(new QueueScripts.DeadLetter(ids.get(0), Map.of("id", "x", "reason", "r")))))
                .hasMessageContaining("WRONGTYPE");
        assertThat(redis.stream(String.class).xpending(RedisKeys.stream(TYPE), Streams.GROUP).getPendingCount()).isEqualTo(1);
        assertThat(redis.sortedSet(String.class).zcard(RedisKeys.retryKey(TYPE))).isZero();
    }

    @Test
    void tenThousandEntriesAreFinishedInOneCall() {
        // Beyond Lua's unpack limit (about 8,000 values): the script deletes the entries in chunks.
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            redis.stream(String.class).xadd(RedisKeys.stream(TYPE), Map.of("id", "m" + i));
        }
        List<String> ids = redis.stream(String.class)
                .xreadgroup(Streams.GROUP, "c1", RedisKeys.stream(TYPE), ">", new XReadGroupArgs().count(n))
                .stream().map(StreamMessage::id).toList();
        assertThat(ids).hasSize(n);

        assertThat(finish.finish(TYPE, ids, List.of(), List.of())).isEqualTo(new QueueScripts.Finished(n, 0));
        assertStreamDrained();
    }

    @SafeVarargs
    private List<String> queueAndRead(Map<String, String>... entries) {
        for (Map<String, String> fields : entries) {
            redis.stream(String.class).xadd(RedisKeys.stream(TYPE), fields);
        }
        return redis.stream(String.class)
                .xreadgroup(Streams.GROUP, "c1", RedisKeys.stream(TYPE), ">", new XReadGroupArgs().count(100))
                .stream().map(StreamMessage::id).toList();
    }

    private void assertStreamDrained() {
        assertThat(redis.stream(String.class).xlen(RedisKeys.stream(TYPE))).isZero();
        assertThat(redis.stream(String.class).xpending(RedisKeys.stream(TYPE), Streams.GROUP).getPendingCount()).isZero();
    }
}
