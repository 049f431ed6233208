package com.acme.sms.redis;

import io.quarkus.logging.Log;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses to start against a Redis that may evict keys: under memory pressure any policy but {@code noeviction}
 * can silently delete a balance (credit appears or vanishes), a queued message (lost) or a refund marker (a
 * second refund). With {@code noeviction}, Redis refuses writes instead, which the API answers with an error.
 * Reads {@code INFO memory}, which managed Redis services allow even where CONFIG is disabled.
 */
@ApplicationScoped
public class RedisSafetyCheck {

    private final Instance<RedisDataSource> redis;
    private final boolean required;

    public RedisSafetyCheck(Instance<RedisDataSource> redis,
            @ConfigProperty(name = "sms.redis.require-noeviction", defaultValue = "true") boolean required) {
        this.redis = redis;
        this.required = required;
    }

    void check(@Observes StartupEvent event) {
        String info = redis.get().execute("INFO", "memory").toString();
        Optional<String> policy = field(info, "maxmemory_policy");
        if (policy.isPresent() && !"noeviction".equals(policy.get())) {
            String message = "Redis runs with maxmemory-policy " + policy.get() + ", which can evict balances and queued"
                    + " messages. Set maxmemory-policy noeviction (redis.conf or CONFIG SET).";
            if (required) {
                throw new IllegalStateException(message + " Refusing to start.");
            }
            Log.warn(message + " Starting anyway because sms.redis.require-noeviction=false.");
        }
        String persistence = redis.get().execute("INFO", "persistence").toString();
        if (field(persistence, "aof_enabled").filter("0"::equals).isPresent()) {
            Log.warn("Redis runs without AOF (appendonly no): a Redis crash loses queued messages and balance changes"
                    + " since its last snapshot. Production needs appendonly yes.");
        }
    }

    static Optional<String> field(String info, String name) {
        for (String line : info.split("\\r?\\n")) {
            if (line.startsWith(name + ":")) {
                return Optional.of(line.substring(name.length() + 1).trim());
            }
        }
        return Optional.empty();
    }
}
