package com.acme.sms.worker.consume;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.delivery.DeliveryPipeline;
import com.acme.sms.worker.delivery.StreamEntry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.ClaimedMessages;
import io.quarkus.redis.datasource.stream.PendingMessage;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    private final RedisDataSource redis;
    private volatile boolean running = true;
    /** When this consumer last finished a loop: read, and processed what it read. Liveness watches it. */
    private volatile long lastProgressMillis = System.currentTimeMillis();

    public StreamConsumer(MessageType type, String name, DeliveryPipeline pipeline, RedisDataSource redis,
            WorkerConfig config) {
        this.type = type;
        this.name = name;
        this.pipeline = pipeline;
        this.config = config;
        this.stream = redis.stream(String.class);
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
        Log.infof("Consumer %s reads %s", name, key);
        while (running) {
            try {
                if (System.currentTimeMillis() >= nextReclaim) {
                    reclaim(key);
                    nextReclaim = System.currentTimeMillis() + config.reclaimInterval().toMillis();
                }
                List<StreamMessage<String, String, String>> read = stream.xreadgroup(Streams.GROUP, name, key, ">",
                        new XReadGroupArgs().count(config.batchSize()).block(config.block()));
                if (read != null && !read.isEmpty()) {
                    List<StreamEntry> entries = new ArrayList<>(read.size());
                    for (StreamMessage<String, String, String> m : read) {
                        entries.add(new StreamEntry(m.id(), m.payload(), 1));
                    }
                    pipeline.process(type, entries, false, name, () -> running);
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
        Log.infof("Consumer %s stopped", name);
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
