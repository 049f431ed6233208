package com.acme.sms.acceptance;

import com.acme.sms.message.MessageType;
import com.acme.sms.optout.OptOuts;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a message gets queued: accept.lua charges each message its credits, in order, for as many whole messages as the balance
 * covers, and appends them to their type's stream, in one atomic step, so charging and queueing happen together
 * or not at all and concurrent requests can never spend the same credit. The same step checks the client's
 * messages-per-second window, the Idempotency-Key record and the client's opt-outs (a message to an opted-out number
 * is skipped: not charged, not queued), so an opt-out recorded before the call is never sent to.
 */
@ApplicationScoped
public class AcceptScript {

    private static final LuaScript ACCEPT = LuaScript.load("accept");

    /** accept.lua's statuses of a refusal; any other first value is the number of messages accepted. */
    private static final long STATUS_REPLAYED = -1;
    private static final long STATUS_RATE_LIMITED = -2;
    private static final long STATUS_TOO_LATE = -3;
    private static final long STATUS_FROZEN = -4;
    private static final long STATUS_OPT_OUTS_UNLOADED = -5;

    private final LuaScripts scripts;
    private final OptOuts optOuts;
    /** Loads of a client's opt-outs running in this process (see {@link #load}). */
    private final Map<String, CompletableFuture<Integer>> loading = new ConcurrentHashMap<>();

    public AcceptScript(LuaScripts scripts, OptOuts optOuts) {
        this.scripts = scripts;
        this.optOuts = optOuts;
    }

    /** A message to charge and queue, and its price in credits; its id is chosen by the caller. */
    public record Outgoing(UUID id, String to, String from, String content, int credits) {

        public Outgoing {
            if (credits < 1) {
                throw new IllegalArgumentException("a message costs at least one credit");
            }
        }

        /** A message that costs one credit. */
        public Outgoing(UUID id, String to, String from, String content) {
            this(id, to, from, content, 1);
        }
    }

    /** An Idempotency-Key with the hash of the request it came with, remembered for {@code ttl}. */
    public record Idempotency(String key, String requestHash, Duration ttl) {}

    public enum Outcome {
        /** {@code accepted} messages (possibly none) were charged and queued. */
        QUEUED,
        /** Nothing was done: the Idempotency-Key was seen before; {@code replayOf} is what it answered then. */
        REPLAYED,
        /** Nothing was done: the messages did not fit in the client's messages-per-second window. */
        RATE_LIMITED,
        /** Nothing was done: Redis reached the call after its deadline (the caller had already given up on it). */
        TOO_LATE,
        /** Nothing was done: a rebuild of the live balances runs (see {@code RedisKeys.rebuildFreeze}). */
        FROZEN,
        /**
         * Nothing was done: the client's opt-outs were not in Redis, and still were not after loading them from
         * PostgreSQL (the set was removed again meanwhile).
         */
        OPT_OUTS_UNLOADED
    }

    /**
     * @param accepted how many of the messages, from the first, were charged and queued
     * @param balanceLeft the live balance after charging
     * @param queuedAtMillis Redis' clock at acceptance
     * @param replayOf with {@link Outcome#REPLAYED}: the earlier request's record (empty when unreadable)
     * @param retryAfterMillis with {@link Outcome#RATE_LIMITED}: when the window ends, in milliseconds from now
     * @param optedOut with {@link Outcome#QUEUED}: positions (from 0) of the messages to opted-out numbers, which
     *        were neither charged nor queued; the {@code accepted} ones are the first of the others
     */
    public record Acceptance(Outcome outcome, int accepted, long balanceLeft, long queuedAtMillis,
            Optional<IdempotencyRecord> replayOf, long retryAfterMillis, List<Integer> optedOut) {

        public boolean rateLimited() {
            return outcome == Outcome.RATE_LIMITED;
        }
    }

    /**
     * Charges each message its credits, in order, for as many whole messages as the balance covers, and appends them to the stream;
     * messages to numbers the client opted out are skipped.
     */
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
        return accept(clientId, type, messages, validityMillis, idempotency, messagesPerSecond, 0);
    }

    /**
     * As {@link #accept(String, MessageType, List, long, Idempotency, long)}, with a deadline in epoch milliseconds (0:
     * none): when Redis' clock is past it as the script starts, nothing is done and the outcome is
     * {@link Outcome#TOO_LATE}. A caller that stops waiting for the answer at some moment passes a deadline before
     * it, so that a call still queued on the connection can not charge later for a request reported as failed.
     */
    public Uni<Acceptance> accept(String clientId, MessageType type, List<Outgoing> messages, long validityMillis,
            Idempotency idempotency, long messagesPerSecond, long deadlineMillis) {
        return accept(clientId, type, messages, validityMillis, idempotency, messagesPerSecond, deadlineMillis, 0);
    }

    /**
     * As {@link #accept(String, MessageType, List, long, Idempotency, long, long)}, with a time to send in epoch
     * milliseconds (0: now). A later time schedules the accepted messages: charged now, they wait in the type's
     * schedule and enter the stream when due (their validity counts from then), unless cancelled first.
     */
    public Uni<Acceptance> accept(String clientId, MessageType type, List<Outgoing> messages, long validityMillis,
            Idempotency idempotency, long messagesPerSecond, long deadlineMillis, long sendAtMillis) {
        if (messagesPerSecond < 0) {
            throw new IllegalArgumentException("messagesPerSecond must be 0 (no limit) or positive");
        }
        if (idempotency != null && idempotency.ttl().toMillis() < 1) {
            throw new IllegalArgumentException("an idempotency record must live at least one millisecond");
        }
        List<String> args = new ArrayList<>(9 + 4 * messages.size());
        args.add(clientId);
        args.add(Integer.toString(messages.size()));
        args.add(Long.toString(validityMillis));
        args.add(idempotency == null ? "" : idempotency.requestHash());
        args.add(idempotency == null ? "0" : Long.toString(idempotency.ttl().toMillis()));
        args.add(Long.toString(messagesPerSecond));
        args.add(Long.toString(Math.max(0, deadlineMillis)));
        args.add(credits(messages));
        args.add(Long.toString(Math.max(0, sendAtMillis)));
        for (Outgoing m : messages) {
            args.add(m.id().toString());
            args.add(m.to());
            args.add(m.from());
            args.add(m.content());
        }
        List<String> keys = new ArrayList<>(6);
        keys.add(RedisKeys.balance(clientId));
        keys.add(RedisKeys.stream(type));
        keys.add(RedisKeys.optOuts(clientId));
        if (sendAtMillis > 0) {
            keys.add(RedisKeys.retryKey(type));
            keys.add(RedisKeys.scheduledIndex(type));
        }
        if (idempotency != null) {
            keys.add(RedisKeys.idempotency(clientId, idempotency.key()));
        }
        if (messagesPerSecond > 0) {
            keys.add(RedisKeys.messagesRateKey(clientId, type));
        }
        keys.add(RedisKeys.rebuildFreeze());
        return scripts.run(ACCEPT, keys, args).map(AcceptScript::acceptance).flatMap(a -> {
            if (a.outcome() != Outcome.OPT_OUTS_UNLOADED) {
                return Uni.createFrom().item(a);
            }
            // Once per client after Redis lost its data (or on its first message): load its opt-outs and try
            // again. A second miss is reported, not looped on.
            return Uni.createFrom().completionStage(() -> load(clientId))
                    .onFailure(CompletionException.class).transform(Throwable::getCause)
                    .flatMap(loaded -> scripts.run(ACCEPT, keys, args).map(AcceptScript::acceptance));
        });
    }

    /**
     * Loads the client's opt-outs into Redis (blocking JDBC, on a worker thread), one load per client at a time in
     * this process: the requests that find the set missing while a load runs wait for that load instead of each
     * reading the whole list again (a long list can outlast a request's store timeout, and the requests keep coming).
     */
    private CompletableFuture<Integer> load(String clientId) {
        CompletableFuture<Integer> load = loading.computeIfAbsent(clientId,
                c -> CompletableFuture.supplyAsync(() -> optOuts.load(c), Infrastructure.getDefaultWorkerPool()));
        // Outside computeIfAbsent: a load already done runs this at once, and the map must not be changed from
        // inside its own computation. Only this load is removed, never a newer one.
        load.whenComplete((n, failure) -> loading.remove(clientId, load));
        return load;
    }

    /** accept.lua's credits argument: empty when every message costs one (the common case, and fewer bytes). */
    private static String credits(List<Outgoing> messages) {
        if (messages.stream().allMatch(m -> m.credits() == 1)) {
            return "";
        }
        StringBuilder list = new StringBuilder(messages.size() * 2);
        for (Outgoing m : messages) {
            if (!list.isEmpty()) {
                list.append(',');
            }
            list.append(m.credits());
        }
        return list.toString();
    }

    private static Acceptance acceptance(Response r) {
        long status = r.get(0).toLong();
        if (status == STATUS_REPLAYED) {
            return new Acceptance(Outcome.REPLAYED, 0, 0, 0, IdempotencyRecord.parse(r.get(1).toString()), 0,
                    List.of());
        }
        if (status == STATUS_RATE_LIMITED) {
            return new Acceptance(Outcome.RATE_LIMITED, 0, 0, 0, Optional.empty(), r.get(1).toLong(), List.of());
        }
        if (status == STATUS_TOO_LATE) {
            return new Acceptance(Outcome.TOO_LATE, 0, 0, 0, Optional.empty(), 0, List.of());
        }
        if (status == STATUS_FROZEN) {
            return new Acceptance(Outcome.FROZEN, 0, 0, 0, Optional.empty(), 0, List.of());
        }
        if (status == STATUS_OPT_OUTS_UNLOADED) {
            return new Acceptance(Outcome.OPT_OUTS_UNLOADED, 0, 0, 0, Optional.empty(), 0, List.of());
        }
        if (status < 0) {
            throw new IllegalStateException("accept.lua answered an unknown status " + status);
        }
        int optedOutCount = r.get(3).toInteger();
        List<Integer> optedOut = new ArrayList<>(optedOutCount);
        for (int k = 0; k < optedOutCount; k++) {
            optedOut.add(r.get(4 + k).toInteger());
        }
        return new Acceptance(Outcome.QUEUED, (int) status, r.get(1).toLong(), r.get(2).toLong(), Optional.empty(), 0,
                List.copyOf(optedOut));
    }
}
