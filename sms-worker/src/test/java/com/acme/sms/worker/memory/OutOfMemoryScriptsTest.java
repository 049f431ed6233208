package com.acme.sms.worker.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.redis.LuaScript;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis at maxmemory with a backlog (issue 17, item 7): the scripts that free memory or must finish still run, so
 * the workers drain the backlog; acceptance is refused whole and charges nothing. A private redis-server of its
 * own, since setting maxmemory on a shared one would break everyone else's tests.
 */
class OutOfMemoryScriptsTest {

    static final String STREAM = "sms:normal";
    static final String RETRY = "sms:retry:normal";
    static final String DEAD = "sms:normal:dead";
    static final String BALANCE = "sms:credit:{oom}";
    static final String FREEZE = "sms:credit:rebuild";
    static final String OPT_OUTS = "sms:optout:{oom}";
    static final int BACKLOG = 3000;

    static Process server;
    static Vertx vertx;
    static RedisConnection redis;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        dir = Files.createTempDirectory("oom-redis");
        server = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--maxmemory-policy", "noeviction", "--dir", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        vertx = Vertx.vertx();
        Redis client = Redis.createClient(vertx, "redis://127.0.0.1:" + port);
        RedisConnection connection = null;
        for (int i = 0; i < 100 && connection == null; i++) {
            try {
                connection = client.connectAndAwait();
            } catch (RuntimeException notYet) {
                Thread.sleep(50);
            }
        }
        assertThat(connection).as("redis-server started on " + port).isNotNull();
        redis = connection;
    }

    @AfterAll
    static void stop() throws IOException {
        if (redis != null) {
            redis.closeAndAwait();
        }
        if (vertx != null) {
            vertx.closeAndAwait();
        }
        if (server != null) {
            server.destroy();
        }
    }

    @Test
    void atMaxmemoryWorkersStillHandFinishRefundAndRetryWhileAcceptanceChargesNothing() {
        call(Command.XGROUP, "CREATE", STREAM, "workers", "0", "MKSTREAM");
        String body = "x".repeat(1000);
        for (int i = 0; i < BACKLOG; i++) {
            call(Command.XADD, STREAM, "*", "id", "m" + i, "c", "oom", "b", body);
        }
        List<String> ids = new ArrayList<>();
        for (Response stream : call(Command.XREADGROUP, "GROUP", "workers", "c1", "COUNT", Integer.toString(BACKLOG),
                "STREAMS", STREAM, ">")) {
            for (Response entry : stream.get(1)) {
                ids.add(entry.get(0).toString());
            }
        }
        assertThat(ids).hasSize(BACKLOG);
        call(Command.SET, BALANCE, "10");
        call(Command.SADD, OPT_OUTS, "!loaded");
        call(Command.ZADD, RETRY, "0", "{\"id\":\"r1\",\"a\":\"2\"}");

        // Full: the limit just under what the backlog already uses.
        call(Command.CONFIG, "SET", "maxmemory", Long.toString(usedMemory() - 100_000));

        assertThatThrownBy(() -> eval("accept", List.of(BALANCE, STREAM, OPT_OUTS, FREEZE),
                List.of("oom", "1", "0", "", "0", "0", "0", "", "", "new-1", "+4917012345", "App", "hi")))
                .hasMessageContaining("OOM");
        assertThat(call(Command.GET, BALANCE).toString()).isEqualTo("10"); // charged nothing
        assertThat(call(Command.XLEN, STREAM).toLong()).isEqualTo(BACKLOG); // queued nothing

        // The delivery of the backlog goes on: a consumer records its hand-offs, keeps its batch and reads the records
        // (without these, a full Redis stopped every send, so nothing was ever acknowledged and freed).
        List<String> handArgs = new ArrayList<>(List.of("workers", "c1"));
        for (int i = 0; i < 3; i++) {
            handArgs.addAll(List.of(ids.get(i), "m" + i, "1", "0"));
        }
        // Redis' time, then the three message ids marked
        assertThat(eval("hand", List.of(STREAM, "sms:handed:normal"), handArgs)).hasSize(4);
        List<String> beatArgs = new ArrayList<>(List.of("workers", "c1"));
        beatArgs.addAll(ids.subList(0, 3));
        assertThat(eval("heartbeat", List.of(STREAM), beatArgs).toInteger()).isEqualTo(3);
        assertThat(eval("retry_due", List.of(RETRY, STREAM, FREEZE), List.of("100")).toInteger()).isEqualTo(1);
        assertThat(eval("refund", List.of(BALANCE, "sms:refund:{oom}:m0"), List.of("604800")).toInteger()).isEqualTo(1);
        assertThat(call(Command.GET, BALANCE).toString()).isEqualTo("11");

        List<String> args = new ArrayList<>(List.of("workers", Integer.toString(ids.size()), "0", "0"));
        args.addAll(ids);
        Response finished = eval("ack", List.of(STREAM, RETRY, DEAD, "sms:handed:normal"), args);
        assertThat(finished.get(0).toInteger()).isEqualTo(BACKLOG);

        // The backlog's memory is free again, and acceptance works.
        Response accepted = eval("accept", List.of(BALANCE, STREAM, OPT_OUTS, FREEZE),
                List.of("oom", "1", "0", "", "0", "0", "0", "", "", "new-1", "+4917012345", "App", "hi"));
        assertThat(accepted.get(0).toInteger()).isEqualTo(1);
        assertThat(call(Command.GET, BALANCE).toString()).isEqualTo("10");
    }

    private static long usedMemory() {
        for (String line : call(Command.INFO, "memory").toString().split("\r?\n")) {
            if (line.startsWith("used_memory:")) {
                return Long.parseLong(line.substring("used_memory:".length()).trim());
            }
        }
        throw new IllegalStateException("no used_memory in INFO");
    }

    private static Response eval(String script, List<String> keys, List<String> args) {
        Request r = Request.cmd(Command.EVAL).arg(LuaScript.load(script).source()).arg(keys.size());
        keys.forEach(r::arg);
        args.forEach(r::arg);
        return redis.sendAndAwait(r);
    }

    private static Response call(Command command, String... args) {
        Request r = Request.cmd(command);
        for (String a : args) {
            r.arg(a);
        }
        return redis.sendAndAwait(r);
    }
}
