package com.acme.sms.api.admin;

import com.acme.sms.credit.CreditKeys;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The dead-letter streams, for operators: list, send again (as a new, charged message), or discard. */
@ApplicationScoped
public class DeadLetters {

    private static final LuaScript REQUEUE = LuaScript.load("requeue_dead");

    private final RedisDataSource redis;
    private final LuaScripts scripts;

    public DeadLetters(RedisDataSource redis, LuaScripts scripts) {
        this.redis = redis;
        this.scripts = scripts;
    }

    public record DeadLetter(String entryId, Map<String, String> fields) {}

    public enum Requeue { REQUEUED, GONE, NO_CREDIT, NOT_REQUEUABLE }

    public record RequeueResult(Requeue outcome, UUID newId) {}

    public List<DeadLetter> list(MessageType type, int count) {
        return redis.stream(String.class).xrange(Streams.deadLetterKey(type), StreamRange.of("-", "+"), count).stream()
                .map(m -> new DeadLetter(m.id(), m.payload()))
                .toList();
    }

    public long size(MessageType type) {
        return redis.stream(String.class).xlen(Streams.deadLetterKey(type));
    }

    public Optional<DeadLetter> find(MessageType type, String entryId) {
        List<StreamMessage<String, String, String>> found = redis.stream(String.class)
                .xrange(Streams.deadLetterKey(type), StreamRange.of(entryId, entryId));
        return found.stream().findFirst().map(m -> new DeadLetter(m.id(), m.payload()));
    }

    public RequeueResult requeue(MessageType type, DeadLetter letter) {
        String client = letter.fields().get("c");
        if (client == null) {
            return new RequeueResult(Requeue.NOT_REQUEUABLE, null);
        }
        UUID newId = UuidV7.next();
        int result = scripts.run(REQUEUE,
                        List.of(Streams.deadLetterKey(type), Streams.key(type), CreditKeys.balance(client)),
                        List.of(letter.entryId(), newId.toString(), client))
                .await().atMost(Duration.ofSeconds(10))
                .toInteger();
        return switch (result) {
            case 1 -> new RequeueResult(Requeue.REQUEUED, newId);
            case 0 -> new RequeueResult(Requeue.GONE, null);
            case -1 -> new RequeueResult(Requeue.NO_CREDIT, null);
            default -> new RequeueResult(Requeue.NOT_REQUEUABLE, null);
        };
    }

    public boolean discard(MessageType type, String entryId) {
        return redis.stream(String.class).xdel(Streams.deadLetterKey(type), entryId) > 0;
    }
}
