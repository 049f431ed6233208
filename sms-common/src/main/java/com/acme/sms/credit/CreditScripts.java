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
     * @param retryAfterMillis when above 0, nothing was done: the messages did not fit in the client's
     *     messages-per-second window, which ends this many milliseconds later
     */
    public record Acceptance(int accepted, long balanceLeft, long queuedAtMillis, String replayOf, long retryAfterMillis) {

        public boolean rateLimited() {
            return retryAfterMillis > 0;
        }
    }

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
        return accept(clientId, type, messages, validityMillis, idempotency, 0);
    }

    /**
     * As {@link #accept(String, MessageType, List, long, Idempotency)}, with a limit on the messages of this type
     * the client may queue per second (0: none). When the messages do not fit in the current one-second window,
     * nothing is charged, queued or counted, and the answer says when the window ends. The limit is checked in
     * the same script as the charge, so that concurrent requests on several API instances can not overshoot it.
     */
    public Uni<Acceptance> accept(String clientId, MessageType type, List<Outgoing> messages, long validityMillis,
            Idempotency idempotency, long messagesPerSecond) {
        if (messagesPerSecond < 0) {
            throw new IllegalArgumentException("messagesPerSecond must be 0 (no limit) or positive");
        }
        List<String> args = new ArrayList<>(6 + 4 * messages.size());
        args.add(clientId);
        args.add(Integer.toString(messages.size()));
        args.add(Long.toString(validityMillis));
        args.add(idempotency == null ? "" : idempotency.requestHash());
        args.add(idempotency == null ? "0" : Long.toString(idempotency.ttl().toSeconds()));
        args.add(Long.toString(messagesPerSecond));
        for (Outgoing m : messages) {
            args.add(m.id().toString());
            args.add(m.to());
            args.add(m.from());
            args.add(m.content());
        }
        List<String> keys = new ArrayList<>(4);
        keys.add(CreditKeys.balance(clientId));
        keys.add(Streams.key(type));
        if (idempotency != null) {
            keys.add(CreditKeys.idempotency(clientId, idempotency.key()));
        }
        if (messagesPerSecond > 0) {
            keys.add(messagesRateKey(clientId, type));
        }
        return scripts.run(ACCEPT, keys, args).map(r -> switch (r.get(0).toInteger()) {
            case -1 -> new Acceptance(0, 0, 0, r.get(1).toString(), 0);
            case -2 -> new Acceptance(0, 0, 0, null, r.get(1).toLong());
            default -> new Acceptance(r.get(0).toInteger(), r.get(1).toLong(), r.get(2).toLong(), null, 0);
        });
    }

    /**
     * The client's window counter of requests per second (see {@code rate_limit.lua}). The client id is the hash
     * tag, so all of a client's keys share one Redis Cluster slot.
     */
    public static String requestsRateKey(String clientId) {
        return "sms:rate:{" + clientId + "}:requests";
    }

    /** The client's window counter of messages of one type queued per second (checked inside accept.lua). */
    public static String messagesRateKey(String clientId, MessageType type) {
        return "sms:rate:{" + clientId + "}:messages:" + type.wireName();
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
