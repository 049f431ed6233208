package com.acme.sms.api.ratelimit;

import com.acme.sms.api.config.RateLimitConfig;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.message.MessageType;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-client rate limits in fixed one-second windows kept in Redis, so that they hold across all API instances.
 * The requests limit is checked here (one script call per request); the messages limits are checked inside
 * accept.lua, atomically with the charge, and reported through {@link #messagesRefused}.
 */
@ApplicationScoped
public class RateLimiter {

    /** Label of the requests limit in {@code sms_rate_limited_total}: it counts requests of every type. */
    public static final String ANY_TYPE = "all";

    private static final LuaScript RATE_LIMIT = LuaScript.load("rate_limit");
    /** rate_limit.lua's statuses. */
    private static final long STATUS_ADMITTED = 1;
    private static final long STATUS_REFUSED = 0;

    private final LuaScripts scripts;
    private final RateLimitConfig config;
    private final StoreBounds bounds;
    private final Counter requestsRefused;
    private final Map<MessageType, Counter> messagesRefused = new LinkedHashMap<>();

    public RateLimiter(LuaScripts scripts, RateLimitConfig config, StoreBounds bounds, MeterRegistry registry) {
        this.scripts = scripts;
        this.config = config;
        this.bounds = bounds;
        // Registered up front, so dashboards and alerts see a 0 rather than no series.
        this.requestsRefused = counter(registry, ANY_TYPE, "requests");
        for (MessageType type : MessageType.values()) {
            messagesRefused.put(type, counter(registry, type.wireName(), "messages"));
        }
    }

    private static Counter counter(MeterRegistry registry, String type, String limit) {
        return Counter.builder("sms.rate.limited")
                .description("Requests refused with 429 because a per-client rate limit was reached")
                .tag("type", type)
                .tag("limit", limit)
                .register(registry);
    }

    /**
     * Counts one request of this caller; fails with {@link RateLimitedException} when the window is full (counting
     * nothing). Fails closed: when Redis does not answer in time the request is refused with 503 (a
     * {@link com.acme.sms.api.store.StoreUnavailableException}), never admitted unlimited and never held. A count
     * that Redis carries out after the request was refused costs the client one place in its window, nothing more.
     */
    public Uni<Void> admitRequest(String caller) {
        long limit = config.requestsPerSecond();
        if (limit == 0) {
            return Uni.createFrom().voidItem();
        }
        return bounds.redis(scripts.run(RATE_LIMIT, List.of(RedisKeys.requestsRateKey(caller)),
                List.of(Long.toString(limit), "1")))
                .map(r -> {
                    long status = r.get(0).toLong();
                    if (status == STATUS_ADMITTED) {
                        return null;
                    }
                    if (status != STATUS_REFUSED) {
                        throw new IllegalStateException("rate_limit.lua answered an unknown status " + status);
                    }
                    requestsRefused.increment();
                    throw tooMany("requests", limit + " requests per second", "", r.get(1).toLong());
                });
    }

    public long messagesPerSecond(MessageType type) {
        return config.messagesPerSecond(type);
    }

    /** The refusal of a send whose messages did not fit in the client's messages-per-second window of its type. */
    public RateLimitedException messagesRefused(MessageType type, int messages, long retryAfterMillis) {
        messagesRefused.get(type).increment();
        long limit = config.messagesPerSecond(type);
        String what = limit + " " + type.wireName() + " messages per second";
        String extra = messages > limit
                ? "This request alone has " + messages + " messages and can never fit: split it. " : "";
        return tooMany("messages", what, extra, retryAfterMillis);
    }

    private static RateLimitedException tooMany(String limit, String what, String extra, long retryAfterMillis) {
        // Clients wait in whole seconds; round up so a client that waits that long finds a new window.
        long seconds = Math.max(1, (retryAfterMillis + 999) / 1000);
        return new RateLimitedException(limit, seconds, "Rate limit reached: at most " + what + " per client. " + extra
                + "Nothing was charged; retry after " + seconds + " s.");
    }
}
