package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

@ApplicationScoped
public class QueueScripts {

    private static final LuaScript ACK = LuaScript.load("ack");
    private static final LuaScript RETRY_DUE = LuaScript.load("retry_due");

    /** A retry to schedule: when it is due, and the fields of its next entry, as JSON. */
    public record Retry(long dueMillis, String fieldsJson) {}

    /** A dead letter to append in place of the stream entry {@code entryId}, with its fields. */
    public record DeadLetter(String entryId, Map<String, String> fields) {}

    /** What one finish did: entries acknowledged now, and dead letters appended for them. */
    public record Finished(int acknowledged, int deadLettered) {}

    private final LuaScripts scripts;

    public QueueScripts(LuaScripts scripts) {
        this.scripts = scripts;
    }

    /**
     * Schedules the retries, acknowledges and deletes the entries, and appends the dead letters of the entries
     * acknowledged by this call, atomically (lua/ack.lua). An entry finished before (by another consumer, or by an
     * earlier run that crashed after the script) is not acknowledged again, so its dead letter is not written twice.
     */
    public Uni<Finished> finish(MessageType type, Collection<String> entryIds, Collection<Retry> retries,
            Collection<DeadLetter> deadLetters) {
        return finish(type, entryIds, retries, deadLetters, List.of());
    }

    /**
     * As {@link #finish(MessageType, Collection, Collection, Collection)}, and removes the "handed to the provider"
     * records ({@link RedisKeys#handed}) of the given messages in the same step: their outcome is recorded.
     */
    public Uni<Finished> finish(MessageType type, Collection<String> entryIds, Collection<Retry> retries,
            Collection<DeadLetter> deadLetters, Collection<String> handedMessageIds) {
        if (entryIds.isEmpty() && retries.isEmpty() && handedMessageIds.isEmpty()) {
            return Uni.createFrom().item(new Finished(0, 0));
        }
        List<String> args = new ArrayList<>(
                4 + entryIds.size() + 2 * retries.size() + 16 * deadLetters.size() + handedMessageIds.size());
        args.add(Streams.GROUP);
        args.add(Integer.toString(entryIds.size()));
        args.add(Integer.toString(retries.size()));
        args.add(Integer.toString(deadLetters.size()));
        args.addAll(entryIds);
        for (Retry r : retries) {
            args.add(Long.toString(r.dueMillis()));
            args.add(r.fieldsJson());
        }
        for (DeadLetter d : deadLetters) {
            args.add(d.entryId());
            args.add(Integer.toString(d.fields().size()));
            d.fields().forEach((name, value) -> {
                args.add(name);
                args.add(value);
            });
        }
        args.addAll(handedMessageIds);
        return scripts.run(ACK, List.of(RedisKeys.stream(type), RedisKeys.retryKey(type), RedisKeys.deadLetterKey(type),
                RedisKeys.handed(type)), args)
                .map(r -> new Finished(r.get(0).toInteger(), r.get(1).toInteger()));
    }

    /** Moves retries that are due back into the stream; returns how many were moved. */
    public Uni<Integer> moveDueRetries(MessageType type, int limit) {
        return scripts
                .run(RETRY_DUE, List.of(RedisKeys.retryKey(type), RedisKeys.stream(type), RedisKeys.rebuildFreeze(),
                        RedisKeys.scheduledIndex(type), RedisKeys.scheduledQueued(type)), List.of(Integer.toString(limit)))
                .map(Response::toInteger);
    }
}
