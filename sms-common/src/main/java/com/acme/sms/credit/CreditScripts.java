package com.acme.sms.credit;

import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Changes of a client's live balance in Redis outside acceptance (which charges in
 * {@link com.acme.sms.acceptance.AcceptScript}): top-ups and refunds, each one a single atomic Lua script.
 */
@ApplicationScoped
public class CreditScripts {

    /** Upper bound of any balance; keeps every value exact in Lua numbers (doubles) and in JSON. */
    public static final long MAX_BALANCE = 1_000_000_000_000L;

    /** A refund marker outlives any redelivery of its message by far (reclaims happen within minutes). */
    static final Duration REFUND_MARKER_TTL = Duration.ofDays(7);

    private static final LuaScript REFUND = LuaScript.load("refund");
    /**
     * How long credit_add.lua remembers that a ledger entry was applied (or refused). PostgreSQL records the outcome
     * within seconds ({@code applied_at}); the marker only has to outlive any late copy of the call and any entry
     * left pending, and it does so by far.
     */
    public static final Duration APPLIED_MARKER_TTL = Duration.ofDays(7);

    private static final LuaScript ADD = LuaScript.load("credit_add");
    private static final LuaScript PARK = LuaScript.load("refund_park");
    /** credit_add.lua's statuses. */
    private static final long STATUS_ADDED = 1;
    private static final long STATUS_OVER_LIMIT = 0;
    private static final long STATUS_FROZEN = -1;

    private final LuaScripts scripts;
    private final ReactiveRedisDataSource redis;

    public CreditScripts(LuaScripts scripts, ReactiveRedisDataSource redis) {
        this.scripts = scripts;
        this.redis = redis;
    }

    /**
     * The answer of {@link #add}.
     *
     * @param balance the new live balance when added; unchanged and not read when over the limit
     */
    public record Addition(Added outcome, long balance) {}

    public enum Added {
        ADDED,
        /** Nothing was added, now or ever: the balance would have exceeded {@link #MAX_BALANCE}. */
        OVER_LIMIT,
        /** Nothing was done: a rebuild of the live balances runs; the entry is still to be applied. */
        FROZEN
    }

    /**
     * Applies the top-up recorded as ledger entry {@code ledgerId} to the live balance, at most once however often it
     * is called: the first call adds it (unless the result would exceed {@link #MAX_BALANCE}, then it is refused for
     * good), every later call answers the same without changing anything.
     */
    public Uni<Addition> add(String clientId, long ledgerId, long amount) {
        return scripts.run(
                ADD,
                List.of(RedisKeys.balance(clientId), RedisKeys.creditApplied(clientId, ledgerId), RedisKeys.rebuildFreeze()),
                List.of(Long.toString(amount), Long.toString(MAX_BALANCE), Long.toString(APPLIED_MARKER_TTL.toSeconds())))
                .map(r -> {
                    long status = r.get(0).toLong();
                    if (status == STATUS_ADDED) {
                        return new Addition(Added.ADDED, r.get(1).toLong());
                    }
                    if (status == STATUS_OVER_LIMIT) {
                        return new Addition(Added.OVER_LIMIT, 0);
                    }
                    if (status == STATUS_FROZEN) {
                        return new Addition(Added.FROZEN, 0);
                    }
                    throw new IllegalStateException("credit_add.lua answered an unknown status " + status);
                });
    }

    /** A failed message to refund and the credits it was charged. */
    public record Refund(UUID messageId, int credits) {}

    /** Gives back one credit for each message not refunded before; returns how many were refunded now. */
    public Uni<Integer> refund(String clientId, List<UUID> failedMessageIds) {
        return refund(clientId, failedMessageIds.stream().map(id -> new Refund(id, 1)).toList(), false);
    }

    /**
     * Gives back what each message was charged, for each one not refunded before; returns the credits refunded now.
     */
    public Uni<Integer> refundCharged(String clientId, List<Refund> failed) {
        return refund(clientId, failed, true);
    }

    private Uni<Integer> refund(String clientId, List<Refund> failed, boolean amounts) {
        if (failed.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> keys = new ArrayList<>(1 + failed.size());
        List<String> args = new ArrayList<>(1 + failed.size());
        keys.add(RedisKeys.balance(clientId));
        args.add(Long.toString(REFUND_MARKER_TTL.toSeconds()));
        for (Refund r : failed) {
            keys.add(RedisKeys.refundMarker(clientId, r.messageId()));
            if (amounts) {
                args.add(Integer.toString(r.credits()));
            }
        }
        return scripts.run(REFUND, keys, args).map(Response::toInteger);
    }

    /**
     * Parks the refunds of messages whose client's balance key is corrupt (see lua/refund_park.lua): marks them
     * refunded and lists them in {@link RedisKeys#refundsParked()}; returns how many were parked now.
     */
    public Uni<Integer> park(String clientId, List<UUID> failedMessageIds, String reason) {
        if (failedMessageIds.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> keys = new ArrayList<>(1 + failedMessageIds.size());
        List<String> args = new ArrayList<>(3 + failedMessageIds.size());
        keys.add(RedisKeys.refundsParked());
        args.add(Long.toString(REFUND_MARKER_TTL.toSeconds()));
        args.add(clientId);
        args.add(reason);
        for (UUID id : failedMessageIds) {
            keys.add(RedisKeys.refundMarker(clientId, id));
            args.add(id.toString());
        }
        return scripts.run(PARK, keys, args).map(Response::toInteger);
    }

    /**
     * True when a refund failed because the client's balance key holds something that is not a balance (refund.lua
     * says so); an outage or a timeout is not such a failure.
     */
    public static boolean isCorruptBalance(Throwable failure, String clientId) {
        String balanceKey = "balance key " + RedisKeys.balance(clientId);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(balanceKey)) {
                return true;
            }
        }
        return false;
    }

    /** The live balance; 0 for a client never seen or whose balance is spent (the key is then deleted). */
    public Uni<Long> balance(String clientId) {
        return redis.value(String.class).get(RedisKeys.balance(clientId)).map(v -> v == null ? 0L : Long.parseLong(v));
    }

}
