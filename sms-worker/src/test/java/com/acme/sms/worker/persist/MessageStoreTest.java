package com.acme.sms.worker.persist;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.message.UuidV7;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker's writes and look-ups by id when a batch's messages were accepted on different days: each row is in its
 * own day's partition (V10), and a batch must find every one of them.
 */
@QuarkusTest
class MessageStoreTest {

    @Inject
    MessageStore store;

    @Inject
    AgroalDataSource db;

    String client;
    /** Messages accepted three days ago, an hour ago, a minute ago and now, in that order. */
    List<QueuedMessage> firstAttempts;

    @BeforeEach
    void messages() {
        client = "ms-" + UUID.randomUUID().toString().substring(0, 12);
        Instant now = Instant.now();
        firstAttempts = new ArrayList<>();
        for (Duration ago : List.of(Duration.ofDays(3), Duration.ofHours(1), Duration.ofMinutes(1), Duration.ZERO)) {
            Instant at = now.minus(ago);
            firstAttempts.add(new QueuedMessage(UuidV7.at(at, 0), client, MessageType.NORMAL, "+4917012345", "ACME",
                    "hello", at.toEpochMilli(), 1, 0));
        }
    }

    @AfterEach
    void countersMatchTheRows() throws Exception {
        UsageCounters.assertMatchRows(db, client);
    }

    /** Before sending a batch the worker asks which of its messages already have a row: all of them are found. */
    @Test
    void aBatchOfMessagesFromSeveralDaysIsFoundWhole() throws Exception {
        List<UUID> ids = firstAttempts.stream().map(QueuedMessage::id).toList();
        assertThat(store.saved(ids)).isEmpty();

        assertThat(store.save(MessageType.NORMAL, finals(firstAttempts, MessageStatus.SENT), "test"))
                .containsExactlyInAnyOrderElementsOf(ids);

        Map<UUID, MessageStore.Saved> saved = store.saved(ids);
        assertThat(saved).containsOnlyKeys(ids);
        assertThat(saved.values()).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(MessageStatus.SENT);
            assertThat(s.attempts()).isEqualTo(1);
        });
        // one alone, and none
        assertThat(store.saved(List.of(ids.get(2)))).containsOnlyKeys(ids.get(2));
        assertThat(store.saved(List.of(UuidV7.next()))).isEmpty();
    }

    /**
     * A batch of retries of messages from several days: each row moves on from waiting for a retry, and the day's
     * counters count each message once (the rows an earlier attempt wrote are found, whatever their day).
     */
    @Test
    void retriesFromSeveralDaysMoveTheirRowsOnAndAreCountedOnce() throws Exception {
        store.save(MessageType.NORMAL, finals(firstAttempts, MessageStatus.QUEUED), "test");
        List<QueuedMessage> retries = firstAttempts.stream()
                .map(m -> new QueuedMessage(m.id(), m.clientId(), m.type(), m.to(), m.from(), m.content(),
                        m.queuedAtMillis(), 2, 0))
                .toList();

        assertThat(store.save(MessageType.NORMAL, finals(retries, MessageStatus.SENT), "test")).hasSize(4);

        assertThat(store.saved(retries.stream().map(QueuedMessage::id).toList()).values()).allSatisfy(s -> {
            assertThat(s.status()).isEqualTo(MessageStatus.SENT);
            assertThat(s.attempts()).isEqualTo(2);
        });
        // countersMatchTheRows: accepted 4, sent 4
    }

    private static List<MessageStore.Final> finals(List<QueuedMessage> messages, MessageStatus status) {
        return messages.stream().map(m -> new MessageStore.Final(m, status,
                status == MessageStatus.QUEUED ? "provider busy" : null,
                status == MessageStatus.SENT ? List.of("p-" + m.id()) : List.of(), null)).toList();
    }
}
