package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import com.acme.sms.worker.config.WorkerConfig;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * While a consumer works on a batch, it claims its own entries again (lua/heartbeat.lua, XCLAIM JUSTID) every
 * quarter of {@code reclaim-idle}, so a live but slow consumer (a slow provider, PostgreSQL away for minutes) never
 * loses its batch to another consumer and the entries' delivery count does not grow. Only a consumer that is dead,
 * frozen (SIGSTOP) or cut off from Redis stops beating, and only then is its batch taken over.
 */
@ApplicationScoped
public class BatchHeartbeat {

    private static final LuaScript HEARTBEAT = LuaScript.load("heartbeat");

    /** Stops the beating of one batch. */
    public interface Beat extends AutoCloseable {
        @Override
        void close();
    }

    private final LuaScripts scripts;
    private final WorkerConfig config;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "batch-heartbeat");
        t.setDaemon(true);
        return t;
    });

    public BatchHeartbeat(LuaScripts scripts, WorkerConfig config) {
        this.scripts = scripts;
        this.config = config;
    }

    public Beat start(MessageType type, String consumer, List<String> entryIds) {
        if (entryIds.isEmpty()) {
            return () -> {};
        }
        List<String> args = new ArrayList<>(2 + entryIds.size());
        args.add(Streams.GROUP);
        args.add(consumer);
        args.addAll(entryIds);
        long every = Math.max(1, config.reclaimIdle().toMillis() / 4);
        ScheduledFuture<?> beating = timer.scheduleAtFixedRate(() -> beat(type, consumer, args), every, every,
                TimeUnit.MILLISECONDS);
        return () -> beating.cancel(false);
    }

    private void beat(MessageType type, String consumer, List<String> args) {
        try {
            scripts.run(HEARTBEAT, List.of(RedisKeys.stream(type)), args).await().atMost(Timeouts.REDIS);
        } catch (RuntimeException e) {
            // The next beat tries again; if none gets through before reclaim-idle, the batch is taken over, and the
            // "handed" records keep the taker from sending it twice.
            Log.warnf("Consumer %s could not refresh its batch (%s)", consumer, e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }
}
