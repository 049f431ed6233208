package com.acme.sms.worker.housekeeping;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Periodic task: every worker process joins the group under new consumer names, so names of processes long gone
 * pile up in XINFO CONSUMERS. A consumer with nothing pending and idle for {@link #FORGET_AFTER} is forgotten; one
 * with pending entries is kept until they have been taken over. Deleting a consumer twice is harmless, so several
 * processes may run this at once.
 */
@ApplicationScoped
public class ConsumerPruning {

    public static final Duration FORGET_AFTER = Duration.ofHours(1);

    private final RedisDataSource redis;

    public ConsumerPruning(RedisDataSource redis) {
        this.redis = redis;
    }

    /**
     * Forgets the type's gone consumers.
     *
     * @param ours consumers of this process, never forgotten
     * @return how many were forgotten
     */
    public int prune(MessageType type, Predicate<String> ours, Duration forgetAfter) {
        String key = RedisKeys.stream(type);
        Response consumers = redis.execute("XINFO", "CONSUMERS", key, Streams.GROUP);
        if (consumers == null) {
            return 0;
        }
        int forgotten = 0;
        for (Response c : consumers) {
            String consumer = c.get("name").toString();
            long pending = c.get("pending").toLong();
            long idle = c.get("idle").toLong();
            if (pending == 0 && idle >= forgetAfter.toMillis() && !ours.test(consumer)) {
                redis.execute("XGROUP", "DELCONSUMER", key, Streams.GROUP, consumer);
                forgotten++;
            }
        }
        return forgotten;
    }
}
