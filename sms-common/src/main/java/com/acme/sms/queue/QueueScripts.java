package com.acme.sms.queue;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class QueueScripts {

    private static final LuaScript ACK = LuaScript.load("ack");

    private final LuaScripts scripts;

    public QueueScripts(LuaScripts scripts) {
        this.scripts = scripts;
    }

    /** Acknowledges and deletes entries; returns how many were still pending in the group. */
    public Uni<Integer> ackAndDelete(MessageType type, Collection<String> entryIds) {
        if (entryIds.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<String> args = new ArrayList<>(1 + entryIds.size());
        args.add(Streams.GROUP);
        args.addAll(entryIds);
        return scripts.run(ACK, List.of(Streams.key(type)), args).map(Response::toInteger);
    }
}
