package com.acme.sms.worker.housekeeping;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Periodic task: every worker process joins the group under new consumer names, so names of processes long gone
 * pile up in XINFO CONSUMERS. A consumer with nothing pending and idle for {@link #FORGET_AFTER} is forgotten; one
 * with pending entries is kept until they have been taken over. Deleting a consumer twice is harmless, so several
 * processes may run this at once.
 *
 * <p>The snapshot only picks candidates; lua/prune_consumers.lua checks each again and deletes it in one atomic
 * step, so a consumer that resumed and read a batch in between keeps it (issue 17, item 9).
 */
@ApplicationScoped
public class ConsumerPruning {

    public static final Duration FORGET_AFTER = Duration.ofHours(1);

    private static final LuaScript PRUNE = LuaScript.load("prune_consumers");

    private final RedisDataSource redis;
    private final LuaScripts scripts;

    public ConsumerPruning(RedisDataSource redis, LuaScripts scripts) {
        this.redis = redis;
        this.scripts = scripts;
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
        List<String> args = new ArrayList<>();
        args.add(Streams.GROUP);
        args.add(Long.toString(forgetAfter.toMillis()));
        for (Response c : consumers) {
            String consumer = c.get("name").toString();
            long pending = c.get("pending").toLong();
            long idle = c.get("idle").toLong();
            if (pending == 0 && idle >= forgetAfter.toMillis() && !ours.test(consumer)) {
                args.add(consumer);
            }
        }
        if (args.size() == 2) {
            return 0;
        }
        int forgotten = scripts.run(PRUNE, List.of(key), args).await().atMost(Timeouts.REDIS).toInteger();
        return forgotten;
    }
}
