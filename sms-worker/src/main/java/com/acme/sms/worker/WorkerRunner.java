package com.acme.sms.worker;

import com.acme.sms.live.LiveCounters;
import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueuePause;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.consume.SendBacklog;
import com.acme.sms.worker.consume.StreamConsumer;
import com.acme.sms.worker.delivery.DeliveryPipeline;
import com.acme.sms.worker.housekeeping.Housekeeping;
import com.acme.sms.worker.receipt.ReceiptApplier;
import com.acme.sms.worker.webhook.WebhookDispatcher;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Starts this process's consumer loops for one queue and its housekeeping, and stops them on shutdown, letting
 * each consumer finish its batch.
 */
@ApplicationScoped
public class WorkerRunner {

    private final DeliveryPipeline pipeline;
    private final Housekeeping housekeeping;
    private final RedisDataSource redis;
    private final WorkerConfig config;
    private final ReceiptApplier receipts;
    private final SendBacklog backlog;
    private final WebhookDispatcher webhooks;
    private final List<StreamConsumer> consumers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final QueuePause pause;
    private final LiveCounters live;
    private final MeterRegistry registry;
    private final Vertx vertx;
    private volatile MessageType type;
    /**
     * Consumers running, for the dashboard's status, read on an event loop: never through this object's lock, which
     * a stop holds while it waits for the consumers (and they may need that event loop to finish).
     */
    private volatile int running;

    public WorkerRunner(DeliveryPipeline pipeline, Housekeeping housekeeping, RedisDataSource redis, WorkerConfig config,
            ReceiptApplier receipts, SendBacklog backlog, WebhookDispatcher webhooks, QueuePause pause,
            LiveCounters live, MeterRegistry registry, Vertx vertx) {
        this.pause = pause;
        this.live = live;
        this.registry = registry;
        this.vertx = vertx;
        this.receipts = receipts;
        this.webhooks = webhooks;
        this.backlog = backlog;
        this.pipeline = pipeline;
        this.housekeeping = housekeeping;
        this.redis = redis;
        this.config = config;
    }

    public synchronized void start(MessageType type) {
        this.type = type;
        StreamConsumer.ensureGroup(redis, type);
        String base = consumerBaseName();
        pause.watch(vertx);
        boolean dispatchesWebhooks = webhooks.dispatchesFor(type);
        live.reportProcess(base, () -> status(type, dispatchesWebhooks));
        for (int i = 0; i < config.concurrency(); i++) {
            StreamConsumer consumer = new StreamConsumer(type, base + "-" + i, pipeline, redis, config, backlog,
                    () -> pause.paused(type));
            Thread thread = new Thread(consumer, "consumer-" + type.wireName() + "-" + i);
            consumers.add(consumer);
            threads.add(thread);
            thread.start();
        }
        running = consumers.size();
        housekeeping.start(type, base + "-");
        // Receipts come for both queues; by default the normal queue's workers apply them all (sms.receipts.apply).
        if (receipts.appliesFor(type)) {
            receipts.start(base + "-receipts");
        }
        // Status webhooks likewise, by default from the normal queue's workers (sms.webhooks.dispatch).
        if (webhooks.dispatchesFor(type)) {
            webhooks.start();
        }
        Log.infof("Worker for %s started with %d consumers (batch %d, reclaim after %s)", RedisKeys.stream(type),
                consumers.size(), config.batchSize(), config.reclaimIdle());
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
        live.forgetProcess();
        housekeeping.stop();
        try {
            stopConsumers();
        } finally {
            // After the consumers, and bounded: receipts move no money, and a batch left unacknowledged is applied
            // again by another worker (applying is idempotent), so it must not hold up the stop.
            receipts.stop();
            // Last: an event whose try is cut short is taken again when its lease ends (at least once).
            webhooks.stop();
        }
    }

    private void stopConsumers() {
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
        running = 0;
    }

    /** What the dashboard shows of this process; a gauge that does not exist here (no SMPP provider) is null. */
    private String status(MessageType type, boolean dispatchesWebhooks) {
        return "{\"queue\":\"" + type.wireName() + "\",\"consumers\":" + running
                + ",\"smpp_sessions_bound\":" + gauge("sms.smpp.sessions.bound")
                + ",\"webhook_backlog\":" + (dispatchesWebhooks ? gauge("sms.webhooks.backlog") : "null")
                + ",\"paused\":" + pause.paused(type) + ",\"at\":" + System.currentTimeMillis() + "}";
    }

    private String gauge(String name) {
        Gauge g = registry.find(name).gauge();
        return g == null || Double.isNaN(g.value()) ? "null" : Long.toString((long) g.value());
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
