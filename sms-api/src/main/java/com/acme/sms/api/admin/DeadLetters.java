package com.acme.sms.api.admin;

import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.StreamRange;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The dead-letter streams, for operators: list, send again (as a new, charged message), or discard. */
@ApplicationScoped
public class DeadLetters {

    private static final LuaScript REQUEUE = LuaScript.load("requeue_dead");
    /** requeue_dead.lua's statuses. */
    private static final int STATUS_REQUEUED = 1;
    private static final int STATUS_GONE = 0;
    private static final int STATUS_NO_CREDIT = -1;
    private static final int STATUS_NOT_REQUEUABLE = -2;
    private static final int STATUS_EXPIRED = -3;

    private final RedisDataSource redis;
    private final LuaScripts scripts;
    private final StoreBounds bounds;

    /** The blocking calls are bounded by quarkus.redis.timeout, which the API sets to sms.api.store-timeout. */
    public DeadLetters(RedisDataSource redis, LuaScripts scripts, StoreBounds bounds) {
        this.redis = redis;
        this.scripts = scripts;
        this.bounds = bounds;
    }

    public record DeadLetter(String entryId, Map<String, String> fields) {}

    /** {@code EXPIRED}: the message had a validity (every express message does) and it has passed. */
    public enum Requeue {
        REQUEUED, GONE, NO_CREDIT, NOT_REQUEUABLE, EXPIRED
    }

    public record RequeueResult(Requeue outcome, UUID newId) {}

    public List<DeadLetter> list(MessageType type, int count) {
        return redis.stream(String.class).xrange(RedisKeys.deadLetterKey(type), StreamRange.of("-", "+"), count).stream()
                .map(m -> new DeadLetter(m.id(), m.payload()))
                .toList();
    }

    public long size(MessageType type) {
        return redis.stream(String.class).xlen(RedisKeys.deadLetterKey(type));
    }

    public Optional<DeadLetter> find(MessageType type, String entryId) {
        List<StreamMessage<String, String, String>> found = redis.stream(String.class)
                .xrange(RedisKeys.deadLetterKey(type), StreamRange.of(entryId, entryId));
        return found.stream().findFirst().map(m -> new DeadLetter(m.id(), m.payload()));
    }

    public RequeueResult requeue(MessageType type, DeadLetter letter) {
        String client = letter.fields().get("c");
        if (client == null) {
            return new RequeueResult(Requeue.NOT_REQUEUABLE, null);
        }
        UUID newId = UuidV7.next();
        int result = bounds.redis(scripts.run(REQUEUE,
                List.of(RedisKeys.deadLetterKey(type), RedisKeys.stream(type), RedisKeys.balance(client)),
                List.of(letter.entryId(), newId.toString(), client)))
                .await().indefinitely()
                .toInteger();
        return switch (result) {
            case STATUS_REQUEUED -> new RequeueResult(Requeue.REQUEUED, newId);
            case STATUS_GONE -> new RequeueResult(Requeue.GONE, null);
            case STATUS_NO_CREDIT -> new RequeueResult(Requeue.NO_CREDIT, null);
            case STATUS_NOT_REQUEUABLE -> new RequeueResult(Requeue.NOT_REQUEUABLE, null);
            case STATUS_EXPIRED -> new RequeueResult(Requeue.EXPIRED, null);
            default -> throw new IllegalStateException("requeue_dead.lua answered an unknown status " + result);
        };
    }

    public boolean discard(MessageType type, String entryId) {
        return redis.stream(String.class).xdel(RedisKeys.deadLetterKey(type), entryId) > 0;
    }
}
