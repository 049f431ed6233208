package com.acme.sms.worker.receipt;

import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.ClaimedMessages;
import io.quarkus.redis.datasource.stream.StreamMessage;
import io.quarkus.redis.datasource.stream.XGroupCreateArgs;
import io.quarkus.redis.datasource.stream.XReadGroupArgs;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The receipts stream ({@code sms:receipts}): providers append to it (the durable {@link ReceiptSink}), the
 * {@link ReceiptApplier}s of every worker process read it as one consumer group.
 */
@ApplicationScoped
public class ReceiptStream implements ReceiptSink {

    static final String GROUP = "appliers";

    private static final LuaScript ADD = LuaScript.load("receipts_add");
    private static final LuaScript DONE = LuaScript.load("receipts_done");

    /** A receipt as stored, with when it reached us (epoch ms) and its stream entry. */
    public record Stored(String entryId, Receipt receipt, long receivedAtMillis) {}

    private final RedisDataSource redis;
    private final LuaScripts scripts;

    public ReceiptStream(RedisDataSource redis, LuaScripts scripts) {
        this.redis = redis;
        this.scripts = scripts;
    }

    @Override
    public void accept(List<Receipt> receipts) {
        if (receipts.isEmpty()) {
            return;
        }
        String now = Long.toString(System.currentTimeMillis());
        List<String> args = new ArrayList<>(receipts.size() * 5);
        for (Receipt r : receipts) {
            args.add(r.providerId());
            args.add(r.state().name());
            args.add(r.doneAt() == null ? "" : Long.toString(r.doneAt().toEpochMilli()));
            args.add(r.errorCode() == null ? "" : r.errorCode());
            args.add(now);
        }
        scripts.run(ADD, List.of(RedisKeys.receipts()), args).await().atMost(Timeouts.REDIS);
    }

    void ensureGroup() {
        try {
            redis.stream(String.class).xgroupCreate(RedisKeys.receipts(), GROUP, "0", new XGroupCreateArgs().mkstream());
        } catch (RuntimeException e) {
            if (e.getMessage() == null || !e.getMessage().contains("BUSYGROUP")) {
                throw e;
            }
        }
    }

    List<Stored> read(String consumer, int count, Duration block) {
        List<StreamMessage<String, String, String>> read = redis.stream(String.class).xreadgroup(GROUP, consumer,
                RedisKeys.receipts(), ">", new XReadGroupArgs().count(count).block(block));
        return decode(read);
    }

    /** Takes over receipts that another applier read and did not finish within the idle time. */
    List<Stored> reclaim(String consumer, Duration minIdle, int count) {
        ClaimedMessages<String, String, String> claimed = redis.stream(String.class).xautoclaim(RedisKeys.receipts(),
                GROUP, consumer, minIdle, "0-0", count);
        return decode(claimed.getMessages());
    }

    /** Keeps the unmatched receipts for later and acknowledges and deletes the entries, in one script. */
    void done(List<Stored> entries, List<Stored> unmatched) {
        List<String> args = new ArrayList<>();
        args.add(GROUP);
        args.add(Integer.toString(unmatched.size()));
        for (Stored s : unmatched) {
            args.add(Long.toString(s.receivedAtMillis()));
            args.add(UnmatchedReceipts.member(s));
        }
        entries.forEach(s -> args.add(s.entryId()));
        scripts.run(DONE, List.of(RedisKeys.receipts(), RedisKeys.unmatchedReceipts()), args).await()
                .atMost(Timeouts.REDIS);
    }

    private static List<Stored> decode(List<StreamMessage<String, String, String>> messages) {
        List<Stored> stored = new ArrayList<>(messages == null ? 0 : messages.size());
        if (messages == null) {
            return stored;
        }
        for (StreamMessage<String, String, String> m : messages) {
            stored.add(decode(m.id(), m.payload()));
        }
        return stored;
    }

    /** A receipt entry; one that cannot be read becomes an UNKNOWN receipt for no id, which matches nothing. */
    static Stored decode(String entryId, Map<String, String> f) {
        String done = f.getOrDefault("done", "");
        String err = f.getOrDefault("err", "");
        long at = parseLong(f.get("at"), System.currentTimeMillis());
        Receipt r = new Receipt(f.getOrDefault("id", ""),
                ReceiptState.parse(f.get("stat")).orElse(ReceiptState.UNKNOWN),
                done.isEmpty() ? null : Instant.ofEpochMilli(parseLong(done, at)), err.isEmpty() ? null : err);
        return new Stored(entryId, r, at);
    }

    private static long parseLong(String s, long otherwise) {
        try {
            return s == null ? otherwise : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
