package com.acme.sms.redis;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Runs the project's Lua scripts by SHA (EVALSHA), so a hot path sends 40 bytes instead of the script text. When
 * Redis does not know the script (first call, restart, SCRIPT FLUSH, failover), it is sent once with EVAL, which
 * also caches it for the next EVALSHA.
 */
@ApplicationScoped
public class LuaScripts {

    private final ReactiveRedisDataSource redis;

    public LuaScripts(ReactiveRedisDataSource redis) {
        this.redis = redis;
    }

    public Uni<Response> run(LuaScript script, List<String> keys, List<String> args) {
        return redis.execute(Command.EVALSHA, arguments(script.sha1(), keys, args))
                .onFailure(LuaScripts::isNoScript)
                .recoverWithUni(() -> redis.execute(Command.EVAL, arguments(script.source(), keys, args)));
    }

    private static boolean isNoScript(Throwable failure) {
        String message = failure.getMessage();
        return message != null && message.startsWith("NOSCRIPT");
    }

    private static String[] arguments(String scriptOrSha, List<String> keys, List<String> args) {
        String[] all = new String[2 + keys.size() + args.size()];
        all[0] = scriptOrSha;
        all[1] = Integer.toString(keys.size());
        int i = 2;
        for (String key : keys) {
            all[i++] = key;
        }
        for (String arg : args) {
            all[i++] = arg;
        }
        return all;
    }
}
