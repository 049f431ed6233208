package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.queue.Streams;
import com.acme.sms.worker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Starts this process's consumer loops for one queue and stops them on shutdown, letting each finish its batch. */
@ApplicationScoped
public class WorkerRunner {

    private final BatchProcessor processor;
    private final QueueScripts queue;
    private final RedisDataSource redis;
    private final WorkerConfig config;
    private final List<StreamConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile MessageType type;

    public WorkerRunner(BatchProcessor processor, QueueScripts queue, RedisDataSource redis, WorkerConfig config) {
        this.processor = processor;
        this.queue = queue;
        this.redis = redis;
        this.config = config;
    }

    public synchronized void start(MessageType type) {
        this.type = type;
        ensureGroup(redis, type);
        String base = consumerBaseName();
        for (int i = 0; i < config.concurrency(); i++) {
            StreamConsumer consumer = new StreamConsumer(type, base + "-" + i, processor, queue, redis, config);
            Thread thread = new Thread(consumer, "consumer-" + type.wireName() + "-" + i);
            consumers.add(consumer);
            threads.add(thread);
            thread.start();
        }
        Log.infof("Worker for %s started with %d consumers (batch %d, reclaim after %s)", Streams.key(type),
                consumers.size(), config.batchSize(), config.reclaimIdle());
    }

    /** Creates the consumer group, reading from the stream's start so entries queued before any worker ran count. */
    public static void ensureGroup(RedisDataSource redis, MessageType type) {
        try {
            redis.stream(String.class).xgroupCreate(Streams.key(type), Streams.GROUP, "0", new XGroupCreateArgs().mkstream());
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    public Optional<MessageType> type() {
        return Optional.ofNullable(type);
    }

    public synchronized List<StreamConsumer> consumers() {
        return List.copyOf(consumers);
    }

    public synchronized List<Thread> threads() {
        return List.copyOf(threads);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopAndWait();
    }

    public synchronized void stopAndWait() {
        if (threads.isEmpty()) {
            return;
        }
        Log.infof("Stopping: finishing the batches in progress (at most %s)", config.shutdownTimeout());
        consumers.forEach(StreamConsumer::stop);
        long deadline = System.currentTimeMillis() + config.shutdownTimeout().toMillis();
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, deadline - System.currentTimeMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (t.isAlive()) {
                // Its batch stays pending and is reclaimed by another worker: handed back, not dropped.
                Log.warnf("%s did not finish in time; its batch will be reclaimed by another worker", t.getName());
                t.interrupt();
            }
        }
        threads.clear();
        consumers.clear();
    }

    private static String consumerBaseName() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "worker";
            }
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + ManagementFactory.getRuntimeMXBean().getStartTime();
    }
}
