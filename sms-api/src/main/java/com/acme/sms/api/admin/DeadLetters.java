package com.acme.sms.api.admin;

import com.acme.sms.api.credit.RebuildInProgressException;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.api.store.StoreUnavailableException;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.optout.OptOuts;
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
    private static final int STATUS_FROZEN = -4;
    private static final int STATUS_OPTED_OUT = -5;
    private static final int STATUS_OPT_OUTS_UNLOADED = -6;

    private final RedisDataSource redis;
    private final LuaScripts scripts;
    private final StoreBounds bounds;
    private final OptOuts optOuts;

    /** The blocking calls are bounded by quarkus.redis.timeout, which the API sets to sms.api.store-timeout. */
    public DeadLetters(RedisDataSource redis, LuaScripts scripts, StoreBounds bounds, OptOuts optOuts) {
        this.redis = redis;
        this.scripts = scripts;
        this.bounds = bounds;
        this.optOuts = optOuts;
    }

    public record DeadLetter(String entryId, Map<String, String> fields) {}

    /**
     * {@code EXPIRED}: the message had a validity (every express message does) and it has passed. {@code OPTED_OUT}:
     * the client has opted the recipient out since.
     */
    public enum Requeue {
        REQUEUED, GONE, NO_CREDIT, NOT_REQUEUABLE, EXPIRED, OPTED_OUT
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
        int result = requeue(type, letter, client, newId);
        if (result == STATUS_OPT_OUTS_UNLOADED) {
            // The client's opt-outs are not in Redis (it lost them): load them from PostgreSQL, then once more.
            try {
                optOuts.load(client);
            } catch (OptOuts.StoreFailure e) {
                throw new StoreUnavailableException(e.store(),
                        "The client's opt-outs could not be loaded; nothing was requeued. Try again shortly.", e);
            }
            result = requeue(type, letter, client, newId);
        }
        return switch (result) {
            case STATUS_REQUEUED -> new RequeueResult(Requeue.REQUEUED, newId);
            case STATUS_GONE -> new RequeueResult(Requeue.GONE, null);
            case STATUS_NO_CREDIT -> new RequeueResult(Requeue.NO_CREDIT, null);
            case STATUS_NOT_REQUEUABLE -> new RequeueResult(Requeue.NOT_REQUEUABLE, null);
            case STATUS_EXPIRED -> new RequeueResult(Requeue.EXPIRED, null);
            case STATUS_FROZEN -> throw new RebuildInProgressException();
            case STATUS_OPTED_OUT -> new RequeueResult(Requeue.OPTED_OUT, null);
            case STATUS_OPT_OUTS_UNLOADED -> throw new StoreUnavailableException(StoreBounds.REDIS,
                    "The client's opt-outs were removed from Redis again while loading; nothing was requeued. Try again.",
                    null);
            default -> throw new IllegalStateException("requeue_dead.lua answered an unknown status " + result);
        };
    }

    private int requeue(MessageType type, DeadLetter letter, String client, UUID newId) {
        return bounds.redis(scripts.run(REQUEUE,
                List.of(RedisKeys.deadLetterKey(type), RedisKeys.stream(type), RedisKeys.balance(client),
                        RedisKeys.rebuildFreeze(), RedisKeys.optOuts(client)),
                List.of(letter.entryId(), newId.toString(), client)))
                .await().indefinitely()
                .toInteger();
    }

    public boolean discard(MessageType type, String entryId) {
        return redis.stream(String.class).xdel(RedisKeys.deadLetterKey(type), entryId) > 0;
    }
}
