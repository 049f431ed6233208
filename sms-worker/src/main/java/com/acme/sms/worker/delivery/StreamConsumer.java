package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.queue.Streams;
import com.acme.sms.worker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.ClaimedMessages;
import io.quarkus.redis.datasource.stream.PendingMessage;
import io.quarkus.redis.datasource.stream.StreamCommands;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import io.quarkus.redis.datasource.stream.XPendingArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One consumer of the group: reads new entries, and now and then takes over entries that another consumer left
 * pending for longer than the reclaim timeout (it crashed or hangs). Runs on its own thread until stopped.
 */
public class StreamConsumer implements Runnable {

    static final long RETRY_POLL_MS = 250;
    static final long CONSUMER_FORGET_MS = 3_600_000;

    private final MessageType type;
    private final QueueScripts queue;
    private final String name;
    private final BatchProcessor processor;
    private final WorkerConfig config;
    private final StreamCommands<String, String, String> stream;
    private final RedisDataSource redisRaw;
    private volatile boolean running = true;
    private volatile long lastProgressMillis = System.currentTimeMillis();

    public StreamConsumer(MessageType type, String name, BatchProcessor processor, QueueScripts queue,
            RedisDataSource redis, WorkerConfig config) {
        this.queue = queue;
        this.type = type;
        this.name = name;
        this.processor = processor;
        this.config = config;
        this.stream = redis.stream(String.class);
        this.redisRaw = redis;
    }

    public String name() {
        return name;
    }

    public void stop() {
        running = false;
    }

    public long lastProgressMillis() {
        return lastProgressMillis;
    }

    @Override
    public void run() {
        String key = Streams.key(type);
        long nextReclaim = 0;
        long nextRetryPoll = 0;
        long pauseMs = 100;
        Log.infof("Consumer %s reads %s", name, key);
        while (running) {
            try {
                if (System.currentTimeMillis() >= nextReclaim) {
                    reclaim(key);
                    pruneGoneConsumers(key);
                    nextReclaim = System.currentTimeMillis() + config.reclaimInterval().toMillis();
                }
                if (System.currentTimeMillis() >= nextRetryPoll) {
                    // Retries whose backoff is over go back into the stream, where this read picks them up.
                    queue.moveDueRetries(type, config.batchSize()).await().atMost(BatchProcessor.REDIS_TIMEOUT);
                    nextRetryPoll = System.currentTimeMillis() + RETRY_POLL_MS;
                }
                List<StreamMessage<String, String, String>> read = stream.xreadgroup(Streams.GROUP, name, key, ">",
                        new XReadGroupArgs().count(config.batchSize()).block(config.block()));
                if (read != null && !read.isEmpty()) {
                    List<StreamEntry> entries = new ArrayList<>(read.size());
                    for (StreamMessage<String, String, String> m : read) {
                        entries.add(new StreamEntry(m.id(), m.payload(), 1));
                    }
                    processor.process(type, entries, false, name, () -> running);
                }
                lastProgressMillis = System.currentTimeMillis();
                pauseMs = 100;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) {
                if (!running) {
                    break;
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

    /**
     * Every worker process joins the group under a new name, so names of processes long gone pile up in
     * XINFO CONSUMERS. A consumer with nothing pending and idle for an hour is forgotten; one with pending entries
     * is kept until its entries have been taken over.
     */
    void pruneGoneConsumers(String key) {
        pruneGoneConsumers(key, CONSUMER_FORGET_MS);
    }

    void pruneGoneConsumers(String key, long forgetAfterMs) {
        io.vertx.mutiny.redis.client.Response consumers = redisRaw.execute("XINFO", "CONSUMERS", key, Streams.GROUP);
        if (consumers == null) {
            return;
        }
        for (io.vertx.mutiny.redis.client.Response c : consumers) {
            String consumer = c.get("name").toString();
            long pending = c.get("pending").toLong();
            long idle = c.get("idle").toLong();
            if (pending == 0 && idle >= forgetAfterMs && !consumer.equals(name)) {
                redisRaw.execute("XGROUP", "DELCONSUMER", key, Streams.GROUP, consumer);
            }
        }
    }

    /** Takes over entries idle beyond the reclaim timeout and processes them as possibly seen before. */
    void reclaim(String key) throws InterruptedException {
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
            processor.process(type, entries, true, name, () -> running);
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
