package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    private final ReactiveRedisDataSource redis;

    public HandedRecords(LuaScripts scripts, ReactiveRedisDataSource redis) {
        this.scripts = scripts;
        this.redis = redis;
    }

    /** Reads the records and Redis' clock, waiting for the answer. */
    public Snapshot read(MessageType type, List<UUID> ids) {
        return await(readAsync(type, ids));
    }

    /**
     * Starts the read without waiting, so that the caller can do its PostgreSQL lookup meanwhile: the two are the
     * longest steps before a send, and neither needs the other.
     */
    public CompletableFuture<Snapshot> readAsync(MessageType type, List<UUID> ids) {
        List<String> args = new ArrayList<>(ids.size());
        ids.forEach(id -> args.add(id.toString()));
        return scripts.run(READ, List.of(RedisKeys.handed(type)), args).map(r -> snapshot(ids, r))
                .subscribeAsCompletionStage();
    }

    private static Snapshot snapshot(List<UUID> ids, Response r) {
        Map<UUID, Integer> handed = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            Response v = r.get(i + 1);
            if (v != null && v.toString() != null) {
                handed.put(ids.get(i), Integer.parseInt(v.toString()));
            }
        }
        return new Snapshot(r.get(0).toLong(), handed);
    }

    /**
     * What {@link #hand} did: Redis' time when it ran, and the messages it marked (send only those).
     */
    public record Handed(long nowMillis, Set<UUID> marked) {}

    /** Marks the works this consumer still owns as handed, and waits for the answer. */
    public Handed hand(MessageType type, String consumer, List<Batch.Work> works) {
        return await(handAsync(type, consumer, works, false));
    }

    /**
     * Starts marking the works this consumer still owns as handed, without waiting.
     *
     * @param skipExpired leave out, by Redis' time in the same script, the messages whose validity has run out
     *     (they must not be recorded as handed: they are not sent, and a record would make a later taker presume
     *     them sent); false when the caller has judged expiry already
     */
    public CompletableFuture<Handed> handAsync(MessageType type, String consumer, List<Batch.Work> works,
            boolean skipExpired) {
        List<String> args = new ArrayList<>(2 + 4 * works.size());
        args.add(Streams.GROUP);
        args.add(consumer);
        for (Batch.Work w : works) {
            args.add(w.entry().entryId());
            args.add(w.message().id().toString());
            args.add(Integer.toString(w.message().attempt()));
            args.add(skipExpired ? Long.toString(w.message().expiresAtMillis()) : "0");
        }
        return scripts.run(HAND, List.of(RedisKeys.stream(type), RedisKeys.handed(type)), args).map(r -> {
            Set<UUID> marked = new LinkedHashSet<>();
            for (int i = 1; i < r.size(); i++) {
                marked.add(UUID.fromString(r.get(i).toString()));
            }
            return new Handed(r.get(0).toLong(), marked);
        }).subscribeAsCompletionStage();
    }

    /** Removes the records of messages that were marked but will not be sent under this mark. */
    public void unhand(MessageType type, Collection<UUID> ids) {
        await(unhandAsync(type, ids));
    }

    /** {@link #unhand} without waiting. */
    public CompletableFuture<Void> unhandAsync(MessageType type, Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<String> args = new ArrayList<>(1 + ids.size());
        args.add(RedisKeys.handed(type));
        ids.forEach(id -> args.add(id.toString()));
        return redis.execute(Command.HDEL, args.toArray(new String[0])).replaceWithVoid().subscribeAsCompletionStage();
    }

    /** Waits for a call started without waiting, as long as any Redis call may take. */
    public <T> T await(CompletableFuture<T> call) {
        try {
            return call.get(Timeouts.REDIS.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Redis did not answer within " + Timeouts.REDIS, e);
        }
    }
}
