package com.acme.sms.live;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The write side of the dashboard's system-wide figures. Every API and worker process counts what it did in memory
 * and adds it, once a second, to per-step counters in Redis ({@code live_add.lua}, one call per process per second
 * whatever the traffic), which expire on their own; the dashboard sums the steps of all processes
 * ({@code api.dashboard.LiveFigures}). Prometheus' counters stay per process; these exist so that a user of
 * {@code bin/run}, with no Prometheus, sees the whole system.
 * <p>
 * Best effort by design: a second whose flush fails (Redis away) is dropped, not kept, so memory never grows while
 * Redis is away; money never depends on these figures.
 */
@ApplicationScoped
public class LiveCounters {

    /** Seconds one step of the counters covers; the charts show one point per step. */
    public static final int STEP_SECONDS = 5;
    /** How far back the charts reach. */
    public static final Duration WINDOW = Duration.ofMinutes(15);
    /**
     * Upper bounds (ms) of the latency histogram's buckets, around the express SLA; a last bucket holds the rest. A
     * percentile read from them is the bound of the bucket it falls in.
     */
    public static final long[] LATENCY_BOUNDS_MS = {5, 10, 25, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000,
        60_000, 300_000, 900_000};

    static final long FLUSH_MS = 1_000;
    /** A step's counters outlive the window by a minute, so a slow reader never sees a hole at the window's start. */
    static final long STEP_TTL_SECONDS = WINDOW.toSeconds() + 60;
    static final long TOP_TTL_SECONDS = Duration.ofHours(1).toSeconds() + 120;
    private static final LuaScript LIVE_ADD = LuaScript.load("live_add");

    private final LuaScripts scripts;
    private final ReactiveRedisDataSource redis;
    private final boolean enabled;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> clients = new ConcurrentHashMap<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile Vertx vertx;
    private volatile long timer;
    private volatile String processId = "";
    private volatile Supplier<String> processStatus = () -> "";

    public LiveCounters(LuaScripts scripts, ReactiveRedisDataSource redis,
            @ConfigProperty(name = "sms.live.enabled", defaultValue = "true") boolean enabled) {
        this.scripts = scripts;
        this.redis = redis;
        this.enabled = enabled;
    }

    void start(@Observes StartupEvent event, Vertx vertx) {
        if (enabled) {
            this.vertx = vertx;
            timer = vertx.setPeriodic(FLUSH_MS, FLUSH_MS, id -> flush(System.currentTimeMillis()));
        }
    }

    /** No flush once the application stops: the Redis client is closing, and a late call fails loudly. */
    void stop(@Observes ShutdownEvent event) {
        if (vertx != null) {
            vertx.cancelTimer(timer);
        }
    }

    public void add(LiveEvent event, MessageType type, long n) {
        if (enabled && n > 0) {
            counts.computeIfAbsent(field(event, type), k -> new LongAdder()).add(n);
        }
    }

    /** Time from acceptance to sent of one message. */
    public void latency(MessageType type, Duration sinceAccepted) {
        if (enabled) {
            counts.computeIfAbsent(latencyField(type, bucket(sinceAccepted.toMillis())), k -> new LongAdder()).increment();
        }
    }

    /** Messages a client had accepted, for the top clients of the last hour. */
    public void client(String clientId, long messages) {
        if (enabled && messages > 0) {
            clients.computeIfAbsent(clientId, k -> new LongAdder()).add(messages);
        }
    }

    /** A worker process reports what it is (queue, SMPP sessions, webhook backlog) with every flush. */
    public void reportProcess(String id, Supplier<String> statusJson) {
        this.processStatus = statusJson;
        this.processId = id;
    }

    /**
     * A process that stops cleanly takes itself off the dashboard's list at once (bounded: a stop must not wait for
     * Redis); one that dies is shown as gone after 5 s of silence, and forgotten after an hour.
     */
    public void forgetProcess() {
        String id = processId;
        processId = "";
        if (enabled && !id.isEmpty()) {
            // A flush already on its way may still carry the status: let it land first, or it would come back.
            long until = System.currentTimeMillis() + FLUSH_MS;
            while (flushing.get() && System.currentTimeMillis() < until) {
                Thread.onSpinWait();
            }
            try {
                redis.hash(String.class).hdel(RedisKeys.liveProcesses(), id).await().atMost(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                Log.debugf("Could not take %s off the live process list: %s", id, e.getMessage());
            }
        }
    }

    public static String field(LiveEvent event, MessageType type) {
        return event.wireName() + ':' + type.wireName();
    }

    public static String latencyField(MessageType type, int bucket) {
        return "latency:" + type.wireName() + ':' + bucket;
    }

    static int bucket(long ms) {
        for (int i = 0; i < LATENCY_BOUNDS_MS.length; i++) {
            if (ms <= LATENCY_BOUNDS_MS[i]) {
                return i;
            }
        }
        return LATENCY_BOUNDS_MS.length;
    }

    void flush(long nowMillis) {
        if (!flushing.compareAndSet(false, true)) {
            return; // the last flush still waits for Redis: its successor takes both seconds
        }
        List<String> pairs = new ArrayList<>();
        int n = drain(counts, pairs);
        int m = drain(clients, pairs);
        String id = processId;
        String status = id.isEmpty() ? "" : processStatus.get();
        long second = nowMillis / 1000;
        List<String> args = new ArrayList<>(6 + pairs.size());
        args.add(Long.toString(STEP_TTL_SECONDS));
        args.add(Long.toString(TOP_TTL_SECONDS));
        args.add(Integer.toString(n));
        args.add(Integer.toString(m));
        args.add(id);
        args.add(status);
        args.addAll(pairs);
        scripts.run(LIVE_ADD,
                List.of(RedisKeys.liveStep(second - second % STEP_SECONDS), RedisKeys.liveTopClients(second / 60),
                        RedisKeys.liveProcesses()),
                args)
                .subscribe().with(done -> flushing.set(false), failure -> {
                    flushing.set(false);
                    Log.debugf("Live figures of the last second dropped: %s", failure.getMessage());
                });
    }

    private static int drain(Map<String, LongAdder> from, List<String> into) {
        int n = 0;
        for (Map.Entry<String, LongAdder> e : from.entrySet()) {
            long v = e.getValue().sumThenReset();
            if (v > 0) {
                into.add(e.getKey());
                into.add(Long.toString(v));
                n++;
            } else {
                // Idle keys go, so a million clients seen once do not stay in memory (an add racing this is lost).
                from.remove(e.getKey(), e.getValue());
            }
        }
        return n;
    }
}
