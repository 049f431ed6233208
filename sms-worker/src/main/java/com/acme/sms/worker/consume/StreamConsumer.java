package com.acme.sms.worker.consume;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.delivery.DeliveryPipeline;
import com.acme.sms.worker.delivery.StreamEntry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.ClaimedMessages;
import io.quarkus.redis.datasource.stream.PendingMessage;
import io.quarkus.redis.datasource.stream.ReactiveStreamCommands;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One consumer of the group: reads new entries, and now and then takes over entries that another consumer left
 * pending for longer than the reclaim timeout (it crashed or hangs); each batch goes through the
 * {@link DeliveryPipeline}. Runs on its own thread until stopped. Duties of the whole process (due retries,
 * forgetting gone consumers) are not here but in the housekeeping, once per process.
 */
public class StreamConsumer implements Runnable {

    private final MessageType type;
    private final String name;
    private final DeliveryPipeline pipeline;
    private final WorkerConfig config;
    private final StreamCommands<String, String, String> stream;
    private final ReactiveStreamCommands<String, String, String> reactiveStream;
    private final RedisDataSource redis;
    private final SendBacklog backlog;
    private final BooleanSupplier paused;
    private volatile boolean running = true;
    /** When this consumer last finished a loop: read, and processed what it read. Liveness watches it. */
    private volatile long lastProgressMillis = System.currentTimeMillis();

    /** How often a consumer looks again whether the provider can send. */
    static final long PROVIDER_WAIT_MS = 200;
    /** How often a paused consumer looks again; with QueuePause's refresh, a resume acts within half a second. */
    static final long PAUSE_CHECK_MS = 100;

    public StreamConsumer(MessageType type, String name, DeliveryPipeline pipeline, RedisDataSource redis,
            WorkerConfig config, SendBacklog backlog) {
        this(type, name, pipeline, redis, config, backlog, () -> false);
    }

    /** @param paused whether consumption of the queue is paused now ({@link com.acme.sms.queue.QueuePause}) */
    public StreamConsumer(MessageType type, String name, DeliveryPipeline pipeline, RedisDataSource redis,
            WorkerConfig config, SendBacklog backlog, BooleanSupplier paused) {
        this.paused = paused;
        this.type = type;
        this.backlog = backlog;
        this.name = name;
        this.pipeline = pipeline;
        this.config = config;
        this.stream = redis.stream(String.class);
        this.reactiveStream = redis.getReactive().stream(String.class);
        this.redis = redis;
    }

    /** Creates the consumer group, reading from the stream's start so entries queued before any worker ran count. */
    public static void ensureGroup(RedisDataSource redis, MessageType type) {
        try {
            redis.stream(String.class).xgroupCreate(RedisKeys.stream(type), Streams.GROUP, "0",
                    new XGroupCreateArgs().mkstream());
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    public String name() {
        return name;
    }

    /** How long since this consumer last finished a loop. */
    public long millisSinceProgress(long nowMillis) {
        return nowMillis - lastProgressMillis;
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        String key = RedisKeys.stream(type);
        long nextReclaim = 0;
        long pauseMs = 100;
        // When a backlog waits, the next batch is read and prepared (decided, its messages marked as handed) while
        // the current one is sent and recorded: reading and deciding were a quarter of a batch's time, and this way
        // they do not add to it. Its entries are this consumer's from the read on, as they would be a moment later.
        ExecutorService preparing = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + "-ahead");
            t.setDaemon(true);
            return t;
        });
        CompletableFuture<DeliveryPipeline.Prepared> ahead = null;
        Log.infof("Consumer %s reads %s", name, key);
        try {
            boolean waitingForProvider = false;
            boolean wasPaused = false;
            while (running) {
                try {
                    if (ahead == null && paused.getAsBoolean()) {
                        // Paused by an operator: read nothing new (nor take over others' entries) until resumed.
                        // Alive and ready all along: a pause is not a fault.
                        if (!wasPaused) {
                            Log.infof("Consumer %s: consumption of %s is paused; reading nothing until it resumes",
                                    name, key);
                            wasPaused = true;
                        }
                        lastProgressMillis = System.currentTimeMillis();
                        TimeUnit.MILLISECONDS.sleep(PAUSE_CHECK_MS);
                        continue;
                    }
                    if (wasPaused) {
                        Log.infof("Consumer %s: consumption of %s resumed", name, key);
                        wasPaused = false;
                    }
                    if (ahead == null && !pipeline.canSend()) {
                        // Nothing could be sent now (an SMPP provider with no session bound): the messages stay in
                        // the stream for this or another worker once one can send, instead of failing transiently
                        // through every retry and being refunded. Readiness says why; this is not being stuck.
                        if (!waitingForProvider) {
                            Log.warnf("Consumer %s: the provider cannot send (not ready); not reading %s until it can",
                                    name, key);
                            waitingForProvider = true;
                        }
                        lastProgressMillis = System.currentTimeMillis();
                        TimeUnit.MILLISECONDS.sleep(PROVIDER_WAIT_MS);
                        continue;
                    }
                    if (waitingForProvider) {
                        Log.infof("Consumer %s: the provider can send again; reading %s", name, key);
                        waitingForProvider = false;
                    }
                    if (System.currentTimeMillis() >= nextReclaim) {
                        reclaim(key);
                        nextReclaim = System.currentTimeMillis() + config.reclaimInterval().toMillis();
                    }
                    DeliveryPipeline.Prepared batch;
                    if (ahead != null) {
                        CompletableFuture<DeliveryPipeline.Prepared> waiting = ahead;
                        ahead = null;
                        batch = await(waiting);
                    } else {
                        batch = prepare(stream.xreadgroup(Streams.GROUP, name, key, ">",
                                new XReadGroupArgs().count(config.batchSize()).block(config.block())));
                    }
                    if (batch != null) {
                        // Only behind a full batch, where a backlog waits: with fewer entries the read ahead would
                        // take the next message for this busy consumer while an idle one is there to send it at once.
                        if (batch.size() >= config.batchSize()) {
                            backlog.queueLength(stream.xlen(key));
                            ahead = readAhead(key, preparing);
                        }
                        pipeline.complete(batch, () -> running);
                    }
                    pauseMs = 100;
                    lastProgressMillis = System.currentTimeMillis();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (RuntimeException e) {
                    if (!running) {
                        break;
                    }
                    if (isNoGroup(e)) {
                        // The stream or its group was deleted (by an operator, a restore of an old snapshot): without
                        // the group every read fails the same way, for good. Entries queued since count (read from 0).
                        Log.warnf("Consumer %s: the group of %s is gone; creating it again", name, key);
                        try {
                            ensureGroup(redis, type);
                            continue;
                        } catch (RuntimeException again) {
                            Log.errorf(again, "Consumer %s: could not create the group again", name);
                        }
                    }
                    // The batch stays pending and will be reclaimed; pause so a Redis outage is not a busy loop.
                    Log.errorf(e, "Consumer %s: batch failed, pausing %d ms", name, pauseMs);
                    try {
                        TimeUnit.MILLISECONDS.sleep(pauseMs);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                    pauseMs = Math.min(pauseMs * 2, 5_000);
                }
            }
            finishAhead(ahead);
        } finally {
            preparing.shutdown();
        }
        Log.infof("Consumer %s stopped", name);
    }

    /** The read entries prepared for sending, or null when the read brought none. */
    private DeliveryPipeline.Prepared prepare(List<StreamMessage<String, String, String>> read)
            throws InterruptedException {
        if (read == null || read.isEmpty()) {
            return null;
        }
        List<StreamEntry> entries = new ArrayList<>(read.size());
        for (StreamMessage<String, String, String> m : read) {
            entries.add(new StreamEntry(m.id(), m.payload(), 1));
        }
        return pipeline.prepare(type, entries, false, name, () -> running);
    }

    private CompletableFuture<DeliveryPipeline.Prepared> readAhead(String key, ExecutorService preparing) {
        Duration readTimeout = config.block().plus(Timeouts.REDIS);
        return reactiveStream.xreadgroup(Streams.GROUP, name, key, ">",
                new XReadGroupArgs().count(config.batchSize()).block(config.block()))
                .ifNoItem().after(readTimeout)
                .failWith(() -> new IllegalStateException("Redis did not answer a read of " + key + " within " + readTimeout))
                .subscribeAsCompletionStage()
                .thenApplyAsync(read -> {
                    try {
                        return prepare(read);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new CompletionException(e);
                    }
                }, preparing);
    }

    /**
     * Waits for a batch read and prepared ahead. The read is bounded; the preparation waits as long as PostgreSQL
     * keeps the lookup waiting, as the same step would in line, and ends when this consumer is stopped.
     */
    private static DeliveryPipeline.Prepared await(CompletableFuture<DeliveryPipeline.Prepared> ahead)
            throws InterruptedException {
        try {
            return ahead.get();
        } catch (InterruptedException e) {
            // Whatever arrives later is not this consumer's work any more: let it go (its entries stay pending).
            ahead.thenAccept(p -> {
                if (p != null) {
                    p.close();
                }
            });
            throw e;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof InterruptedException) {
                throw new IllegalStateException("the preparation of a batch was interrupted", cause);
            }
            throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
    }

    /**
     * On a stop, the batch read ahead is this consumer's already: completed now, it is not left for a takeover after
     * reclaim-idle. (After an interrupt it is let go: a takeover finishes it.)
     */
    private void finishAhead(CompletableFuture<DeliveryPipeline.Prepared> ahead) {
        if (ahead == null) {
            return;
        }
        if (Thread.currentThread().isInterrupted()) {
            ahead.thenAccept(p -> {
                if (p != null) {
                    p.close();
                }
            });
            return;
        }
        try {
            DeliveryPipeline.Prepared batch = await(ahead);
            if (batch != null) {
                pipeline.complete(batch, () -> running);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            Log.warnf("Consumer %s: the batch read ahead is left pending for a takeover (%s)", name, e.getMessage());
        }
    }

    private static boolean isNoGroup(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).startsWith("NOGROUP")) {
                return true;
            }
        }
        return false;
    }

    /** Takes over entries idle beyond the reclaim timeout and processes them as possibly seen before. */
    public void reclaim(String key) throws InterruptedException {
        String cursor = "0-0";
        do {
            ClaimedMessages<String, String, String> claimed = stream.xautoclaim(key, Streams.GROUP, name,
                    config.reclaimIdle(), cursor, config.batchSize());
            cursor = claimed.getId();
            List<StreamMessage<String, String, String>> messages = claimed.getMessages();
            if (messages.isEmpty()) {
                break;
            }
            Log.warnf("Consumer %s took over %d entries left pending by another consumer", name, messages.size());
            Map<String, Long> deliveries = deliveries(key, messages);
            List<StreamEntry> entries = new ArrayList<>(messages.size());
            for (StreamMessage<String, String, String> m : messages) {
                entries.add(new StreamEntry(m.id(), m.payload(), deliveries.getOrDefault(m.id(), 1L)));
            }
            pipeline.process(type, entries, true, name, () -> running);
        } while (running && !"0-0".equals(cursor));
    }

    private Map<String, Long> deliveries(String key, List<StreamMessage<String, String, String>> messages) {
        String first = messages.get(0).id();
        String last = messages.get(messages.size() - 1).id();
        List<PendingMessage> pending = stream.xpending(key, Streams.GROUP, StreamRange.of(first, last), messages.size() * 2,
                new XPendingArgs().consumer(name));
        Map<String, Long> counts = new HashMap<>();
        for (PendingMessage p : pending) {
            counts.put(p.getMessageId(), (long) p.getDeliveryCount());
        }
        return counts;
    }
}
