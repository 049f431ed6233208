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
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Takes one batch of stream entries to their end, in an order that survives a crash at any step:
 * send, then write PostgreSQL, then refund failures in Redis, then acknowledge. A crash before the
 * acknowledgement leaves the entries pending; whoever gets them next finds the rows already written, does not
 * send again, and repeats only the refund, which is idempotent per message.
 */
@ApplicationScoped
public class BatchProcessor {

    static final Duration REDIS_TIMEOUT = Duration.ofSeconds(30);
    static final long PROVIDER_TIMEOUT_SECONDS = 60;

    private final SmsProvider provider;
    private final MessageStore store;
    private final CreditScripts credit;
    private final QueueScripts queue;
    private final RedisDataSource redis;
    private final WorkerMetrics metrics;
    private final WorkerConfig config;

    public BatchProcessor(SmsProvider provider, MessageStore store, CreditScripts credit, QueueScripts queue,
            RedisDataSource redis, WorkerMetrics metrics, WorkerConfig config) {
        this.provider = provider;
        this.store = store;
        this.credit = credit;
        this.queue = queue;
        this.redis = redis;
        this.metrics = metrics;
        this.config = config;
    }

    /**
     * Processes the entries and acknowledges them.
     *
     * @param mayHaveBeenSeen true for reclaimed entries, which an earlier consumer may have partly processed
     * @param keepTrying asked between attempts to write PostgreSQL; when it turns false, the batch is abandoned
     *     unacknowledged (it stays pending and is reclaimed later), so nothing is ever acknowledged early
     */
    public void process(MessageType type, List<StreamEntry> entries, boolean mayHaveBeenSeen, String worker,
            BooleanSupplier keepTrying) throws InterruptedException {
        Map<UUID, String> entryIds = new LinkedHashMap<>();
        List<QueuedMessage> messages = new ArrayList<>(entries.size());
        List<String> allEntryIds = new ArrayList<>(entries.size());
        List<StreamEntry> malformed = new ArrayList<>();
        List<QueuedMessage> poison = new ArrayList<>();
        for (StreamEntry e : entries) {
            allEntryIds.add(e.entryId());
            QueuedMessage m;
            try {
                m = MessageCodec.decode(type, e.fields());
            } catch (MessageCodec.MalformedEntryException bad) {
                Log.errorf("Entry %s of %s is malformed (%s); moving it to the dead letters", e.entryId(),
                        Streams.key(type), bad.getMessage());
                malformed.add(e);
                continue;
            }
            if (entryIds.putIfAbsent(m.id(), e.entryId()) != null) {
                continue; // the same message twice in one batch: handle it once, acknowledge both entries
            }
            if (e.deliveries() > config.maxDeliveries()) {
                poison.add(m);
            } else {
                messages.add(m);
            }
        }

        Map<UUID, String> saved = mayHaveBeenSeen ? withRetry(() -> store.statuses(entryIds.keySet()), keepTrying)
                : Map.of();
        List<QueuedMessage> toSend = messages.stream().filter(m -> !saved.containsKey(m.id())).toList();
        List<MessageStore.Final> finals = new ArrayList<>(toSend.size() + poison.size());
        for (SmsProvider.Result r : sendAll(toSend)) {
            finals.add(r.sent()
                    ? new MessageStore.Final(r.message(), MessageStatus.SENT.wireName(), null)
                    : new MessageStore.Final(r.message(), MessageStatus.FAILED.wireName(), r.error()));
        }
        for (QueuedMessage m : poison) {
            if (!saved.containsKey(m.id())) {
                finals.add(new MessageStore.Final(m, MessageStatus.FAILED.wireName(),
                        "dead-lettered: processing failed " + config.maxDeliveries() + " times"));
            }
        }

        Set<UUID> inserted = finals.isEmpty() ? Set.of() : withRetry(() -> store.save(type, finals, worker), keepTrying);

        // The status that counts is the one in PostgreSQL: for a message another consumer saved first, read it.
        Map<UUID, String> statusOf = new HashMap<>(saved);
        List<UUID> savedElsewhere = new ArrayList<>();
        for (MessageStore.Final f : finals) {
            if (inserted.contains(f.message().id())) {
                statusOf.put(f.message().id(), f.status());
            } else {
                savedElsewhere.add(f.message().id());
            }
        }
        if (!savedElsewhere.isEmpty()) {
            statusOf.putAll(withRetry(() -> store.statuses(savedElsewhere), keepTrying));
        }

        Map<String, List<UUID>> failedByClient = new HashMap<>();
        List<QueuedMessage> all = new ArrayList<>(messages);
        all.addAll(poison);
        for (QueuedMessage m : all) {
            if (MessageStatus.FAILED.wireName().equals(statusOf.get(m.id()))) {
                failedByClient.computeIfAbsent(m.clientId(), c -> new ArrayList<>()).add(m.id());
            }
        }
        int refunded = 0;
        for (Map.Entry<String, List<UUID>> e : failedByClient.entrySet()) {
            refunded += credit.refund(e.getKey(), e.getValue()).await().atMost(REDIS_TIMEOUT);
        }

        deadLetter(type, malformed, poison, entries);
        queue.ackAndDelete(type, allEntryIds).await().atMost(REDIS_TIMEOUT);

        long now = System.currentTimeMillis();
        int sent = 0;
        int failed = 0;
        for (MessageStore.Final f : finals) {
            if (!inserted.contains(f.message().id())) {
                continue;
            }
            if (MessageStatus.SENT.wireName().equals(f.status())) {
                sent++;
                metrics.delivered(type, Duration.ofMillis(now - f.message().queuedAtMillis()));
            } else {
                failed++;
            }
        }
        metrics.processed(type, MessageStatus.SENT.wireName(), sent);
        metrics.processed(type, MessageStatus.FAILED.wireName(), failed);
        metrics.refunded(type, refunded);
        metrics.deadLettered(type, malformed.size() + poison.size());
    }

    private List<SmsProvider.Result> sendAll(List<QueuedMessage> toSend) throws InterruptedException {
        if (toSend.isEmpty()) {
            return List.of();
        }
        try {
            return provider.send(toSend).toCompletableFuture().get(PROVIDER_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // The provider gave no answer: nothing is known to be sent, so the batch stays pending and is retried.
            throw new IllegalStateException("provider did not answer for a batch of " + toSend.size(), e);
        }
    }

    private void deadLetter(MessageType type, List<StreamEntry> malformed, List<QueuedMessage> poison,
            List<StreamEntry> entries) {
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
        for (QueuedMessage m : poison) {
            for (StreamEntry e : entries) {
                if (m.id().toString().equals(e.fields().get(MessageCodec.ID))) {
                    Map<String, String> fields = new HashMap<>(e.fields());
                    fields.put("reason", "delivered " + e.deliveries() + " times without finishing");
                    fields.put("entry", e.entryId());
                    stream.xadd(key, fields);
                    break;
                }
            }
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
                Log.warnf("PostgreSQL write failed (%s); retrying in %d ms", e.getMessage(), pauseMs);
                TimeUnit.MILLISECONDS.sleep(pauseMs);
                pauseMs = Math.min(pauseMs * 2, 5_000);
            }
        }
    }
}
