package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Pausing the consumption of a queue (from the dashboard): a key in Redis that every worker reads every
 * {@value #REFRESH_MS} ms, so all workers of the queue, on every machine, stop reading new entries within a second
 * and start again as soon as it is gone. Batches already read finish; acceptance goes on and the queue grows;
 * retries and scheduled messages still become due into the stream, and wait there. Readiness stays green: a paused
 * worker is healthy, and must not be restarted or taken out of service for it.
 * <p>
 * While Redis cannot be read the last known state holds: a pause is never lifted by an outage.
 */
@ApplicationScoped
public class QueuePause {

    static final long REFRESH_MS = 250;

    private final ReactiveRedisDataSource redis;
    private final Map<MessageType, Boolean> paused = new EnumMap<>(MessageType.class);
    private final AtomicBoolean watching = new AtomicBoolean();
    private volatile Vertx vertx;
    private volatile long timer;

    public QueuePause(ReactiveRedisDataSource redis) {
        this.redis = redis;
        for (MessageType type : MessageType.values()) {
            paused.put(type, false);
        }
    }

    /** Only processes that consume watch the keys (the worker starts this; the API only sets them). */
    public void watch(Vertx vertx) {
        if (watching.compareAndSet(false, true)) {
            this.vertx = vertx;
            timer = vertx.setPeriodic(0, REFRESH_MS, id -> refresh());
        }
    }

    /** No reads of Redis once the application stops: its client is closing, and a late one fails loudly. */
    void stop(@Observes ShutdownEvent event) {
        if (watching.get()) {
            vertx.cancelTimer(timer);
        }
    }

    public boolean paused(MessageType type) {
        synchronized (paused) {
            return paused.get(type);
        }
    }

    /** What Redis says now, not the cached state. */
    public Uni<Boolean> read(MessageType type) {
        return redis.key(String.class).exists(RedisKeys.paused(type));
    }

    public Uni<Void> set(MessageType type, boolean pause, String by) {
        Uni<Void> done = pause ? redis.value(String.class).set(RedisKeys.paused(type), by)
                : redis.key(String.class).del(RedisKeys.paused(type)).replaceWithVoid();
        return done.invoke(() -> remember(type, pause));
    }

    private void refresh() {
        for (MessageType type : MessageType.values()) {
            read(type).subscribe().with(p -> remember(type, p), failure -> { /* keep the last known state */ });
        }
    }

    private void remember(MessageType type, boolean p) {
        synchronized (paused) {
            paused.put(type, p);
        }
    }
}
