package com.acme.sms.credit;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** All changes of a client's live balance in Redis go through here, each one a single atomic Lua script. */
@ApplicationScoped
public class CreditScripts {

    /** Upper bound of any balance; keeps every value exact in Lua numbers (doubles) and in JSON. */
    public static final long MAX_BALANCE = 1_000_000_000_000L;

    /** A refund marker outlives any redelivery of its message by far (reclaims happen within minutes). */
    static final Duration REFUND_MARKER_TTL = Duration.ofDays(7);

    private static final LuaScript ACCEPT = LuaScript.load("accept");
    private static final LuaScript REFUND = LuaScript.load("refund");
    private static final LuaScript ADD = LuaScript.load("credit_add");

    private final LuaScripts scripts;
    private final ReactiveRedisDataSource redis;

    public CreditScripts(LuaScripts scripts, ReactiveRedisDataSource redis) {
        this.scripts = scripts;
        this.redis = redis;
    }

    /** A message to charge and queue; its id is chosen by the caller. */
    public record Outgoing(UUID id, String to, String from, String content) {}

    /**
     * @param accepted how many of the messages, from the first, were charged and queued
     * @param balanceLeft the live balance after charging
     * @param queuedAtMillis Redis' clock at acceptance
     * @param replayOf when not null, nothing was done: an earlier request with the same Idempotency-Key was
     *     answered, and this is its record ({@code hash|accepted|left|millis|id,id,...})
     */
    public record Acceptance(int accepted, long balanceLeft, long queuedAtMillis, String replayOf) {}

    /** An Idempotency-Key with the hash of the request it came with, remembered for {@code ttl}. */
    public record Idempotency(String key, String requestHash, Duration ttl) {}

    /** Charges one credit per message, in order, for as many as the balance covers, and appends them to the stream. */
    public Uni<Acceptance> accept(String clientId, MessageType type, List<Outgoing> messages) {
        return accept(clientId, type, messages, 0, null);
    }

    /**
     * As {@link #accept(String, MessageType, List)}, with a validity (0: none) and an optional idempotency key:
     * when the key was seen before, nothing is charged and the earlier record comes back instead.
     */
    public Uni<Acceptance> accept(String clientId, MessageType type, List<Outgoing> messages, long validityMillis,
            Idempotency idempotency) {
        List<String> args = new ArrayList<>(5 + 4 * messages.size());
        args.add(clientId);
        args.add(Integer.toString(messages.size()));
        args.add(Long.toString(validityMillis));
        args.add(idempotency == null ? "" : idempotency.requestHash());
        args.add(idempotency == null ? "0" : Long.toString(idempotency.ttl().toSeconds()));
        for (Outgoing m : messages) {
            args.add(m.id().toString());
            args.add(m.to());
            args.add(m.from());
            args.add(m.content());
        }
        List<String> keys = idempotency == null
                ? List.of(CreditKeys.balance(clientId), Streams.key(type))
                : List.of(CreditKeys.balance(clientId), Streams.key(type), CreditKeys.idempotency(clientId, idempotency.key()));
        return scripts.run(ACCEPT, keys, args).map(r -> r.get(0).toInteger() < 0
                ? new Acceptance(0, 0, 0, r.get(1).toString())
                : new Acceptance(r.get(0).toInteger(), r.get(1).toLong(), r.get(2).toLong(), null));
    }

    /** Raises the live balance; fails when the result would exceed {@link #MAX_BALANCE}. Returns the new balance. */
    public Uni<Long> add(String clientId, long amount) {
        return scripts.run(
                        ADD,
                        List.of(CreditKeys.balance(clientId)),
                        List.of(Long.toString(amount), Long.toString(MAX_BALANCE)))
                .map(Response::toLong);
    }

    /** Gives back one credit for each message not refunded before; returns how many were refunded now. */
    public Uni<Integer> refund(String clientId, List<UUID> failedMessageIds) {
        if (failedMessageIds.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> keys = new ArrayList<>(1 + failedMessageIds.size());
        keys.add(CreditKeys.balance(clientId));
        for (UUID id : failedMessageIds) {
            keys.add(CreditKeys.refundMarker(clientId, id));
        }
        return scripts.run(REFUND, keys, List.of(Long.toString(REFUND_MARKER_TTL.toSeconds())))
                .map(Response::toInteger);
    }

    /** The live balance; 0 for a client never seen or whose balance is spent (the key is then deleted). */
    public Uni<Long> balance(String clientId) {
        return redis.value(String.class).get(CreditKeys.balance(clientId)).map(v -> v == null ? 0L : Long.parseLong(v));
    }

}
