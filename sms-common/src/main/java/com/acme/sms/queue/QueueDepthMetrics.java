package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code sms_queue_depth{type}} and {@code sms_retry_scheduled{type}}: entries waiting or in flight in each stream (acknowledged entries are deleted, so
 * the stream's length is exactly that). Refreshed on a timer rather than per scrape, so a scrape never waits for
 * Redis and an unreachable Redis never fails the metrics endpoint.
 */
@ApplicationScoped
public class QueueDepthMetrics {

    static final long REFRESH_MS = 2_000;

    private final ReactiveRedisDataSource redis;
    private final Map<MessageType, AtomicLong> depth = new EnumMap<>(MessageType.class);
    private final Map<MessageType, AtomicLong> retries = new EnumMap<>(MessageType.class);
    private volatile Vertx vertx;
    private volatile long timer;

    public QueueDepthMetrics(ReactiveRedisDataSource redis, MeterRegistry registry) {
        this.redis = redis;
        for (MessageType type : MessageType.values()) {
            AtomicLong value = new AtomicLong();
            depth.put(type, value);
            Gauge.builder("sms.queue.depth", value, AtomicLong::get)
                    .description("Messages queued or in flight in the stream")
                    .tag("type", type.wireName())
                    .register(registry);
            AtomicLong waiting = new AtomicLong();
            retries.put(type, waiting);
            Gauge.builder("sms.retry.scheduled", waiting, AtomicLong::get)
                    .description("Messages waiting for a retry after a transient provider failure")
                    .tag("type", type.wireName())
                    .register(registry);
        }
    }

    void start(@Observes StartupEvent event, Vertx vertx) {
        this.vertx = vertx;
        timer = vertx.setPeriodic(0, REFRESH_MS, id -> refresh());
    }

    /** No reads of Redis once the application stops: its client is closing, and a late one fails loudly. */
    void stop(@Observes ShutdownEvent event) {
        if (vertx != null) {
            vertx.cancelTimer(timer);
        }
    }

    private void refresh() {
        for (MessageType type : MessageType.values()) {
            redis.stream(String.class).xlen(RedisKeys.stream(type)).subscribe().with(
                    n -> depth.get(type).set(n),
                    failure -> { /* keep the last value; readiness reports Redis being away */ });
            redis.sortedSet(String.class).zcard(RedisKeys.retryKey(type)).subscribe().with(
                    n -> retries.get(type).set(n),
                    failure -> {});
        }
    }
}
