package com.acme.sms.api.security;

import com.acme.sms.api.config.AuthConfig;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.api.store.StoreUnavailableException;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Throttles failed authentication: wrong admin keys (header mode) and invalid tokens (jwt mode). Failures are counted
 * in Redis per source address and per claimed caller (auth_failures.lua), shared by all API instances, over a fixed
 * window from the first failure.
 *
 * <ul>
 * <li>An address beyond the limit is blocked until its window ends: every request from it answers 429 before any
 * credential is checked, so guessing the admin key from one machine stops, right guesses included.</li>
 * <li>A caller beyond the limit (a token's claimed subject, or {@code admin} for the admin key) gets 429 for each
 * further failed attempt, but a valid credential of that caller still passes: blocking the caller would let anyone
 * who knows a client id lock that client out.</li>
 * </ul>
 * Successful requests cost nothing: blocked addresses are remembered in this instance from the counts Redis answers
 * to failures, so only failures reach Redis. Another instance learns of a block at that address's first failure
 * there, so an address gets at most one more attempt per instance per window.
 */
@ApplicationScoped
public class AuthThrottle {

    private static final LuaScript AUTH_FAILURES = LuaScript.load("auth_failures");
    /**
     * Blocked addresses this instance remembers. Only addresses beyond the limit are kept, so filling this takes
     * that many failures from each of this many addresses; past it, blocks are still answered at each failure.
     */
    static final int MAX_BLOCKED_ADDRESSES = 10_000;

    private final AuthConfig config;
    private final LuaScripts scripts;
    private final StoreBounds bounds;
    private final Counter throttled;
    /** Address to the epoch millisecond its block ends. */
    private final Map<String, Long> blockedUntil = new ConcurrentHashMap<>();

    public AuthThrottle(AuthConfig config, LuaScripts scripts, StoreBounds bounds, MeterRegistry registry) {
        this.config = config;
        this.scripts = scripts;
        this.bounds = bounds;
        this.throttled = Counter.builder("sms.auth.throttled")
                .description("Requests refused with 429 because of repeated failed authentication")
                .register(registry);
    }

    /** The 429 for a request from an address that is blocked now, or null. Local only: no Redis call. */
    public ProblemException blocked(String address) {
        if (config.failureLimit() == 0) {
            return null;
        }
        Long until = blockedUntil.get(address);
        if (until == null) {
            return null;
        }
        long left = until - System.currentTimeMillis();
        if (left <= 0) {
            blockedUntil.remove(address, until);
            return null;
        }
        throttled.increment();
        return tooMany("this address", left);
    }

    /**
     * Counts a failed authentication and answers what the client gets: the failure itself, or a 429 when the address
     * or the caller is now beyond the limit.
     */
    public Uni<Void> failed(ProblemException failure, String address, Optional<String> caller) {
        int limit = config.failureLimit();
        if (limit == 0) {
            return Uni.createFrom().failure(failure);
        }
        String window = Long.toString(Math.max(1, config.failureWindow().toMillis()));
        Uni<long[]> byAddress = count(RedisKeys.authFailuresByAddress(address), window);
        Uni<long[]> byCaller = caller.map(c -> count(RedisKeys.authFailuresByCaller(c), window))
                .orElse(Uni.createFrom().item(new long[] {0, 0}));
        return Uni.combine().all().unis(byAddress, byCaller).asTuple().onItem().<Void>transformToUni(counts -> {
            long[] a = counts.getItem1();
            long[] c = counts.getItem2();
            if (a[0] > limit) {
                remember(address, System.currentTimeMillis() + a[1]);
                Log.debugf("Throttling address %s: %d failed authentications in the window", address, a[0]);
                throttled.increment();
                return Uni.createFrom().failure(tooMany("this address", a[1]));
            }
            if (c[0] > limit) {
                throttled.increment();
                return Uni.createFrom().failure(tooMany("this caller", c[1]));
            }
            return Uni.createFrom().failure(failure);
        }).onFailure(f -> !(f instanceof ProblemException)).transform(e -> {
            // Fails closed: a failure that cannot be counted must not be free, or a key guesser would only need
            // Redis to be slow to guess unthrottled. The client is told to come back (503), not refused for good.
            Log.warnf("Could not count a failed authentication: %s", e.toString());
            return e instanceof StoreUnavailableException ? e
                    : new StoreUnavailableException(StoreBounds.REDIS,
                            "Failed authentications can not be counted right now; try again shortly.", e);
        });
    }

    private Uni<long[]> count(String key, String window) {
        return bounds.redis(scripts.run(AUTH_FAILURES, List.of(key), List.of(window)))
                .map(r -> new long[] {r.get(0).toLong(), r.get(1).toLong()});
    }

    private void remember(String address, long until) {
        if (blockedUntil.size() >= MAX_BLOCKED_ADDRESSES) {
            long now = System.currentTimeMillis();
            blockedUntil.values().removeIf(end -> end <= now);
            if (blockedUntil.size() >= MAX_BLOCKED_ADDRESSES) {
                return;
            }
        }
        blockedUntil.merge(address, until, Math::max);
    }

    private ProblemException tooMany(String who, long retryAfterMillis) {
        // Whole seconds, rounded up, so that a client that waits that long finds the window over.
        long seconds = Math.max(1, (retryAfterMillis + 999) / 1000);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("limit", "auth-failures");
        details.put("retry_after_seconds", seconds);
        return new ProblemException(ProblemCode.RATE_LIMITED, "Too many failed authentication attempts from " + who
                + ": at most " + config.failureLimit() + " per " + config.failureWindow().toSeconds()
                + " s. Retry after " + seconds + " s.", details, Map.of("Retry-After", Long.toString(seconds)));
    }
}
