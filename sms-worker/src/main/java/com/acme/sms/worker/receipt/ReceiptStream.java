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
    /** Receipts per entry in the last read (see read). */
    private volatile int perEntrySeen = PER_ENTRY;

    public ReceiptStream(RedisDataSource redis, LuaScripts scripts) {
        this.redis = redis;
        this.scripts = scripts;
    }

    /**
     * Appends the receipts as few stream entries of up to {@link #PER_ENTRY} receipts each, one record per line:
     * a receipt per entry cost Redis an XADD, a read and an acknowledgement each, and the worker as many encoded
     * fields, about a third of what applying receipts cost under bench/run sla.
     */
    @Override
    public void accept(List<Receipt> receipts) {
        if (receipts.isEmpty()) {
            return;
        }
        String now = Long.toString(System.currentTimeMillis());
        List<String> args = new ArrayList<>(receipts.size() / PER_ENTRY + 1);
        StringBuilder entry = new StringBuilder(64 * Math.min(receipts.size(), PER_ENTRY));
        int inEntry = 0;
        for (Receipt r : receipts) {
            field(entry, r.providerId()).append('\t').append(r.state().name()).append('\t');
            if (r.doneAt() != null) {
                entry.append(r.doneAt().toEpochMilli());
            }
            entry.append('\t');
            field(entry, r.errorCode() == null ? "" : r.errorCode()).append('\t').append(now).append('\n');
            if (++inEntry == PER_ENTRY) {
                args.add(entry.toString());
                entry.setLength(0);
                inEntry = 0;
            }
        }
        if (inEntry > 0) {
            args.add(entry.toString());
        }
        scripts.run(ADD, List.of(RedisKeys.receipts()), args).await().atMost(Timeouts.REDIS);
    }

    /** Receipts per stream entry at most: a read of a few entries stays near the applier's batch size. */
    static final int PER_ENTRY = 100;

    /** A text field of a record; tab, line end and % are escaped as %XX (provider ids never hold them in practice). */
    private static StringBuilder field(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\t' || c == '\n' || c == '\r' || c == '%') {
                out.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else {
                out.append(c);
            }
        }
        return out;
    }

    private static String unescape(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int high = c == '%' && i + 2 < value.length() ? Character.digit(value.charAt(i + 1), 16) : -1;
            int low = high >= 0 ? Character.digit(value.charAt(i + 2), 16) : -1;
            if (low >= 0) {
                out.append((char) (high << 4 | low));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
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

    /**
     * Reads about {@code count} receipts: entries hold up to {@link #PER_ENTRY} each (a provider that gets receipts
     * one by one, as over SMPP, writes one per entry), so the number of entries asked for follows the receipts per
     * entry of the last read.
     */
    List<Stored> read(String consumer, int count, Duration block) {
        int entries = Math.max(1, count / Math.max(1, perEntrySeen));
        List<StreamMessage<String, String, String>> read = redis.stream(String.class).xreadgroup(GROUP, consumer,
                RedisKeys.receipts(), ">", new XReadGroupArgs().count(entries).block(block));
        List<Stored> stored = decode(read);
        if (read != null && !read.isEmpty()) {
            perEntrySeen = Math.max(1, largestEntry(stored));
        }
        return stored;
    }

    /** The most receipts one entry of a read held: the next read asks for as many entries as stay near the count. */
    private static int largestEntry(List<Stored> stored) {
        int largest = 0;
        int run = 0;
        String entry = null;
        for (Stored s : stored) {
            run = s.entryId().equals(entry) ? run + 1 : 1;
            entry = s.entryId();
            largest = Math.max(largest, run);
        }
        return largest;
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
        // The receipts of one entry are acknowledged together: all of them are applied or kept by now.
        entries.stream().map(Stored::entryId).distinct().forEach(args::add);
        scripts.run(DONE, List.of(RedisKeys.receipts(), RedisKeys.unmatchedReceipts()), args).await()
                .atMost(Timeouts.REDIS);
    }

    private static List<Stored> decode(List<StreamMessage<String, String, String>> messages) {
        List<Stored> stored = new ArrayList<>(messages == null ? 0 : messages.size());
        if (messages == null) {
            return stored;
        }
        for (StreamMessage<String, String, String> m : messages) {
            stored.addAll(decode(m.id(), m.payload()));
        }
        return stored;
    }

    /**
     * The receipts of an entry: lines of tab-separated records ({@code r}), or one receipt in fields of its own as
     * entries were written before. A record that cannot be read becomes an UNKNOWN receipt for no id, which matches
     * nothing.
     */
    static List<Stored> decode(String entryId, Map<String, String> f) {
        String records = f.get("r");
        if (records == null) {
            String done = f.getOrDefault("done", "");
            String err = f.getOrDefault("err", "");
            return List.of(stored(entryId, f.getOrDefault("id", ""), f.get("stat"), done, err, f.get("at")));
        }
        List<Stored> out = new ArrayList<>();
        int from = 0;
        while (from < records.length()) {
            int end = records.indexOf('\n', from);
            if (end < 0) {
                end = records.length();
            }
            String[] x = records.substring(from, end).split("\t", -1);
            out.add(x.length == 5 ? stored(entryId, unescape(x[0]), x[1], x[2], unescape(x[3]), x[4])
                    : stored(entryId, "", null, "", "", null));
            from = end + 1;
        }
        return out;
    }

    private static Stored stored(String entryId, String id, String stat, String done, String err, String receivedAt) {
        long at = parseLong(receivedAt, System.currentTimeMillis());
        Receipt r = new Receipt(id, ReceiptState.parse(stat).orElse(ReceiptState.UNKNOWN),
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
