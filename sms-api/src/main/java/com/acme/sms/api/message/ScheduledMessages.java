package com.acme.sms.api.message;

import com.acme.sms.api.credit.RebuildInProgressException;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.message.MessageType;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Messages accepted with a time to send that has not come: they wait, charged, in their type's schedule (with the
 * retries; accept.lua put them there) and enter the stream when due (retry_due.lua, run by the workers). A cancel
 * takes one out and gives its credits back in one script, so it and the due moment can never both win.
 */
@ApplicationScoped
public class ScheduledMessages {

    private static final LuaScript CANCEL = LuaScript.load("cancel_scheduled");
    private static final long CANCELLED = 1;
    private static final long NOT_SCHEDULED = 0;
    private static final long QUEUED = -1;
    private static final long FROZEN = -4;

    private final RedisDataSource redis;
    private final LuaScripts scripts;
    private final StoreBounds bounds;
    private final ObjectMapper json;

    public ScheduledMessages(RedisDataSource redis, LuaScripts scripts, StoreBounds bounds, ObjectMapper json) {
        this.redis = redis;
        this.scripts = scripts;
        this.bounds = bounds;
        this.json = json;
    }

    public enum Cancel {
        /** Taken off the schedule; its credits are back in the balance. */
        CANCELLED,
        /** It became due and entered its queue: too late to cancel. */
        QUEUED,
        /** No scheduled message of this client has this id (never was, cancelled before, or long since queued). */
        NOT_SCHEDULED
    }

    /** What a cancel did; {@code credits} given back and the {@code balance} after, when cancelled. */
    public record Cancellation(Cancel outcome, long credits, long balance) {}

    /** A message waiting for its time. */
    public record Scheduled(UUID id, MessageType type, String to, String from, String content, Instant acceptedAt,
            Instant sendAt, int credits) {}

    /** Cancels the client's scheduled message and gives its credits back, exactly once. */
    public Cancellation cancel(String clientId, UUID id) {
        boolean queued = false;
        for (MessageType type : MessageType.values()) {
            Response r = bounds.redis(scripts.run(CANCEL,
                    List.of(RedisKeys.retryKey(type), RedisKeys.scheduledIndex(type), RedisKeys.balance(clientId),
                            RedisKeys.rebuildFreeze(), RedisKeys.scheduledQueued(type)),
                    List.of(id.toString(), clientId))).await().indefinitely();
            long status = r.get(0).toLong();
            if (status == CANCELLED) {
                return new Cancellation(Cancel.CANCELLED, r.get(1).toLong(), r.get(2).toLong());
            }
            if (status == FROZEN) {
                throw new RebuildInProgressException();
            }
            queued |= status == QUEUED;
            if (status != QUEUED && status != NOT_SCHEDULED) {
                throw new IllegalStateException("cancel_scheduled.lua answered an unknown status " + status);
            }
        }
        return new Cancellation(queued ? Cancel.QUEUED : Cancel.NOT_SCHEDULED, 0, 0);
    }

    /** The client's scheduled message with this id, while it waits. */
    public Optional<Scheduled> find(String clientId, UUID id) {
        for (MessageType type : MessageType.values()) {
            String entry = redis.hash(String.class).hget(RedisKeys.scheduledIndex(type), id.toString());
            if (entry == null) {
                continue;
            }
            Map<String, String> f;
            try {
                f = json.readValue(entry, new TypeReference<Map<String, String>>() {});
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
            if (!clientId.equals(f.get("c"))) {
                return Optional.empty();
            }
            return Optional.of(new Scheduled(id, type, f.get("to"), f.get("f"), f.get("b"),
                    Instant.ofEpochMilli(Long.parseLong(f.get("q"))), Instant.ofEpochMilli(Long.parseLong(f.get("s"))),
                    f.get("u") == null ? 1 : Integer.parseInt(f.get("u"))));
        }
        return Optional.empty();
    }
}
