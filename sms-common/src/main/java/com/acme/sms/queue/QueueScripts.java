package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class QueueScripts {

    private static final LuaScript ACK = LuaScript.load("ack");
    private static final LuaScript RETRY_DUE = LuaScript.load("retry_due");

    /** A retry to schedule: when it is due, and the fields of its next entry, as JSON. */
    public record Retry(long dueMillis, String fieldsJson) {}

    private final LuaScripts scripts;

    public QueueScripts(LuaScripts scripts) {
        this.scripts = scripts;
    }

    /**
     * Schedules the retries, then acknowledges and deletes the entries, atomically; returns how many entries were
     * still pending in the group.
     */
    public Uni<Integer> ackAndDelete(MessageType type, Collection<String> entryIds, Collection<Retry> retries) {
        if (entryIds.isEmpty() && retries.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> args = new ArrayList<>(2 + entryIds.size() + 2 * retries.size());
        args.add(Streams.GROUP);
        args.add(Integer.toString(entryIds.size()));
        args.addAll(entryIds);
        for (Retry r : retries) {
            args.add(Long.toString(r.dueMillis()));
            args.add(r.fieldsJson());
        }
        return scripts.run(ACK, List.of(Streams.key(type), Streams.retryKey(type)), args).map(Response::toInteger);
    }

    /** Moves retries that are due back into the stream; returns how many were moved. */
    public Uni<Integer> moveDueRetries(MessageType type, int limit) {
        return scripts.run(RETRY_DUE, List.of(Streams.retryKey(type), Streams.key(type)), List.of(Integer.toString(limit)))
                .map(Response::toInteger);
    }
}
