package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The "handed to the provider" records ({@link RedisKeys#handed}): written for the entries a consumer still owns
 * right before it sends them (lua/hand.lua), read with Redis' clock before a batch is decided
 * (lua/handed_read.lua), removed with the acknowledgement (lua/ack.lua). A consumer that takes over an entry whose
 * record is there does not send it again.
 */
@ApplicationScoped
public class HandedRecords {

    private static final LuaScript HAND = LuaScript.load("hand");
    private static final LuaScript READ = LuaScript.load("handed_read");

    /** Redis' time, and the attempt handed before (without a recorded outcome) of each message that has one. */
    public record Snapshot(long nowMillis, Map<UUID, Integer> handed) {}

    private final LuaScripts scripts;

    public HandedRecords(LuaScripts scripts) {
        this.scripts = scripts;
    }

    public Snapshot read(MessageType type, List<UUID> ids) {
        List<String> args = new ArrayList<>(ids.size());
        ids.forEach(id -> args.add(id.toString()));
        Response r = scripts.run(READ, List.of(RedisKeys.handed(type)), args).await().atMost(Timeouts.REDIS);
        Map<UUID, Integer> handed = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            Response v = r.get(i + 1);
            if (v != null && v.toString() != null) {
                handed.put(ids.get(i), Integer.parseInt(v.toString()));
            }
        }
        return new Snapshot(r.get(0).toLong(), handed);
    }

    /** Marks the works this consumer still owns as handed; returns their message ids (send only those). */
    public Set<UUID> hand(MessageType type, String consumer, List<Batch.Work> works) {
        if (works.isEmpty()) {
            return Set.of();
        }
        List<String> args = new ArrayList<>(2 + 3 * works.size());
        args.add(Streams.GROUP);
        args.add(consumer);
        for (Batch.Work w : works) {
            args.add(w.entry().entryId());
            args.add(w.message().id().toString());
            args.add(Integer.toString(w.message().attempt()));
        }
        Response r = scripts.run(HAND, List.of(RedisKeys.stream(type), RedisKeys.handed(type)), args).await()
                .atMost(Timeouts.REDIS);
        Set<UUID> marked = new LinkedHashSet<>();
        for (Response id : r) {
            marked.add(UUID.fromString(id.toString()));
        }
        return marked;
    }
}
