package com.acme.sms.worker.delivery;

import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.queue.MessageCodec;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.queue.Streams;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.provider.SmsProvider;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Takes one batch of stream entries to their end, in an order that survives a crash at any step:
 * send, then write PostgreSQL, then refund failures in Redis, then schedule retries and acknowledge (one script).
 * A crash before the acknowledgement leaves the entries pending; whoever gets them next finds the rows already
 * written, does not send again, and repeats only what is idempotent: the refund (once per message id) and the
 * retry schedule (a set member per message and attempt).
 */
@ApplicationScoped
public class BatchProcessor {

    static final Duration REDIS_TIMEOUT = Duration.ofSeconds(30);
    static final long PROVIDER_TIMEOUT_SECONDS = 60;
    static final String EXPIRED = "expired: not sent within its validity period";

    private static final String SENT = MessageStatus.SENT.wireName();
    private static final String FAILED = MessageStatus.FAILED.wireName();
    private static final String QUEUED = MessageStatus.QUEUED.wireName();

    private final SmsProvider provider;
    private final MessageStore store;
    private final CreditScripts credit;
    private final QueueScripts queue;
    private final RedisDataSource redis;
    private final WorkerMetrics metrics;
    private final WorkerConfig config;
    private final FaultInjection faults;
    private final ObjectMapper json;

    public BatchProcessor(SmsProvider provider, MessageStore store, CreditScripts credit, QueueScripts queue,
            RedisDataSource redis, WorkerMetrics metrics, WorkerConfig config, FaultInjection faults, ObjectMapper json) {
        this.provider = provider;
        this.store = store;
        this.credit = credit;
        this.queue = queue;
        this.redis = redis;
        this.metrics = metrics;
        this.config = config;
        this.faults = faults;
        this.json = json;
    }

    /** A decoded entry. */
    private record Work(StreamEntry entry, QueuedMessage message) {}

    /**
     * Processes the entries and acknowledges them.
     *
     * @param mayHaveBeenSeen true for reclaimed entries, which an earlier consumer may have partly processed
     * @param keepTrying asked between attempts to write PostgreSQL; when it turns false, the batch is abandoned
     *     unacknowledged (it stays pending and is reclaimed later), so nothing is ever acknowledged early
     */
    public void process(MessageType type, List<StreamEntry> entries, boolean mayHaveBeenSeen, String worker,
            BooleanSupplier keepTrying) throws InterruptedException {
        faults.reached(FaultInjection.AFTER_READ);
        List<String> allEntryIds = new ArrayList<>(entries.size());
        List<StreamEntry> malformed = new ArrayList<>();
        Map<UUID, Work> work = new HashMap<>();
        List<UUID> toLookUp = new ArrayList<>();
        for (StreamEntry e : entries) {
            allEntryIds.add(e.entryId());
            QueuedMessage m;
            try {
                m = MessageCodec.decode(type, e.fields());
            } catch (MessageCodec.MalformedEntryException | NumberFormatException bad) {
                Log.errorf("Entry %s of %s is malformed (%s); moving it to the dead letters", e.entryId(),
                        Streams.key(type), bad.getMessage());
                malformed.add(e);
                continue;
            }
            Work previous = work.get(m.id());
            if (previous != null && previous.message().attempt() >= m.attempt()) {
                continue; // the same message twice in one batch: handle its latest attempt once, ack both entries
            }
            work.put(m.id(), new Work(e, m));
            // Only a reclaimed entry or a retry can meet a row written before.
            if (mayHaveBeenSeen || m.attempt() > 1) {
                toLookUp.add(m.id());
            }
        }

        Map<UUID, MessageStore.Saved> saved = toLookUp.isEmpty() ? Map.of()
                : withRetry(() -> store.saved(toLookUp), keepTrying);
        long now = System.currentTimeMillis();
        List<QueuedMessage> toSend = new ArrayList<>();
        List<MessageStore.Final> outcomes = new ArrayList<>();
        List<Work> poison = new ArrayList<>();
        List<QueuedMessage> retryAgain = new ArrayList<>();
        int expired = 0;
        for (Work w : work.values()) {
            QueuedMessage m = w.message();
            MessageStore.Saved before = saved.get(m.id());
            if (before != null && !QUEUED.equals(before.status())) {
                continue; // finished before: only the refund (if failed) and the ack remain
            }
            if (before != null && before.attempts() >= m.attempt()) {
                retryAgain.add(m); // this attempt was recorded, its retry maybe not scheduled: schedule it again
            } else if (w.entry().deliveries() > config.maxDeliveries()) {
                poison.add(w);
                outcomes.add(new MessageStore.Final(m, FAILED,
                        "dead-lettered: processing failed " + config.maxDeliveries() + " times"));
            } else if (m.expiredAt(now)) {
                expired++;
                outcomes.add(new MessageStore.Final(m, FAILED, EXPIRED));
            } else {
                toSend.add(m);
            }
        }

        List<QueuedMessage> retryNow = new ArrayList<>(retryAgain);
        for (SmsProvider.Result r : sendAll(toSend)) {
            QueuedMessage m = r.message();
            if (r.sent()) {
                outcomes.add(new MessageStore.Final(m, SENT, null));
            } else if (r.transientFailure() && m.attempt() < config.retryMaxAttempts()) {
                outcomes.add(new MessageStore.Final(m, QUEUED, r.error()));
                retryNow.add(m);
            } else {
                String why = r.transientFailure() ? r.error() + " (gave up after " + m.attempt() + " attempts)" : r.error();
                outcomes.add(new MessageStore.Final(m, FAILED, why));
            }
        }
        faults.reached(FaultInjection.AFTER_SEND);

        Set<UUID> written = outcomes.isEmpty() ? Set.of() : withRetry(() -> store.save(type, outcomes, worker), keepTrying);
        faults.reached(FaultInjection.AFTER_PERSIST);

        // The status that counts is the one in PostgreSQL: for a message another consumer saved first, read it.
        Map<UUID, String> statusOf = new HashMap<>();
        saved.forEach((id, s) -> statusOf.put(id, s.status()));
        List<UUID> writtenElsewhere = new ArrayList<>();
        for (MessageStore.Final f : outcomes) {
            if (written.contains(f.message().id())) {
                statusOf.put(f.message().id(), f.status());
            } else {
                writtenElsewhere.add(f.message().id());
            }
        }
        if (!writtenElsewhere.isEmpty()) {
            withRetry(() -> store.saved(writtenElsewhere), keepTrying).forEach((id, s) -> statusOf.put(id, s.status()));
        }

        Map<String, List<UUID>> failedByClient = new HashMap<>();
        for (Work w : work.values()) {
            if (FAILED.equals(statusOf.get(w.message().id()))) {
                failedByClient.computeIfAbsent(w.message().clientId(), c -> new ArrayList<>()).add(w.message().id());
            }
        }
        int refunded = 0;
        for (Map.Entry<String, List<UUID>> e : failedByClient.entrySet()) {
            refunded += credit.refund(e.getKey(), e.getValue()).await().atMost(REDIS_TIMEOUT);
        }
        faults.reached(FaultInjection.AFTER_REFUND);

        List<QueueScripts.Retry> retries = new ArrayList<>(retryNow.size());
        for (QueuedMessage m : retryNow) {
            if (QUEUED.equals(statusOf.get(m.id()))) {
                retries.add(new QueueScripts.Retry(now + backoff(m.attempt()).toMillis(),
                        retryFields(work.get(m.id()).entry(), m)));
            }
        }
        deadLetter(type, malformed, poison);
        queue.ackAndDelete(type, allEntryIds, retries).await().atMost(REDIS_TIMEOUT);

        int sent = 0;
        int failed = 0;
        int breaches = 0;
        for (MessageStore.Final f : outcomes) {
            if (!written.contains(f.message().id())) {
                continue;
            }
            if (SENT.equals(f.status())) {
                sent++;
                Duration latency = Duration.ofMillis(now - f.message().queuedAtMillis());
                metrics.delivered(type, latency);
                if (type == MessageType.EXPRESS && latency.compareTo(config.expressSla()) > 0) {
                    breaches++;
                }
            } else if (FAILED.equals(f.status())) {
                failed++;
            }
        }
        metrics.processed(type, SENT, sent);
        metrics.processed(type, FAILED, failed);
        metrics.refunded(type, refunded);
        metrics.retried(type, retries.size() - retryAgain.size());
        metrics.expired(type, expired);
        metrics.slaBreached(type, breaches);
        metrics.deadLettered(type, malformed.size() + poison.size());
    }

    /** Exponential backoff with "equal jitter": half the delay fixed, half random, so retries spread out. */
    Duration backoff(int attemptJustMade) {
        long base = config.retryInitialBackoff().toMillis();
        long delay = Math.min(config.retryMaxBackoff().toMillis(), base << Math.min(attemptJustMade - 1, 20));
        return Duration.ofMillis(delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1));
    }

    /** The next attempt's entry, as deterministic JSON (sorted fields), so scheduling it twice adds it once. */
    private String retryFields(StreamEntry entry, QueuedMessage m) {
        try {
            return json.writeValueAsString(MessageCodec.nextAttempt(entry.fields(), m.attempt() + 1));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<SmsProvider.Result> sendAll(List<QueuedMessage> toSend) throws InterruptedException {
        if (toSend.isEmpty()) {
            return List.of();
        }
        try {
            return provider.send(toSend).toCompletableFuture().get(PROVIDER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The provider gave no answer: nothing is known to be sent, so the batch stays pending and is retried.
            throw new IllegalStateException("provider did not answer for a batch of " + toSend.size(), e);
        }
    }

    private void deadLetter(MessageType type, List<StreamEntry> malformed, List<Work> poison) {
        if (malformed.isEmpty() && poison.isEmpty()) {
            return;
        }
        var stream = redis.stream(String.class);
        String key = Streams.deadLetterKey(type);
        for (StreamEntry e : malformed) {
            Map<String, String> fields = new HashMap<>(e.fields());
            fields.put("reason", "malformed entry");
            fields.put("entry", e.entryId());
            stream.xadd(key, fields);
        }
        for (Work w : poison) {
            Map<String, String> fields = new HashMap<>(w.entry().fields());
            fields.put("reason", "delivered " + w.entry().deliveries() + " times without finishing");
            fields.put("entry", w.entry().entryId());
            stream.xadd(key, fields);
        }
    }

    @FunctionalInterface
    interface SqlCall<T> {
        T call() throws SQLException;
    }

    /** PostgreSQL may be away for minutes: keep the batch and try again with growing pauses. */
    private <T> T withRetry(SqlCall<T> call, BooleanSupplier keepTrying) throws InterruptedException {
        long pauseMs = 100;
        while (true) {
            try {
                return call.call();
            } catch (SQLException e) {
                if (!keepTrying.getAsBoolean()) {
                    throw new IllegalStateException("PostgreSQL unavailable and the worker is stopping", e);
                }
                Log.warnf("PostgreSQL failed (%s); retrying in %d ms", e.getMessage(), pauseMs);
                TimeUnit.MILLISECONDS.sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 5_000);
            }
        }
    }
}
