package com.acme.sms.worker.receipt;

import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoredValue;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Receipts whose message was not found when they were applied ({@code sms:receipts:unmatched}): a receipt may
 * overtake its message's row (the SMSC answers faster than the worker writes PostgreSQL), or belong to a message
 * whose send answer was lost. They are tried again until the retention ends, then dropped with a count.
 */
@ApplicationScoped
public class UnmatchedReceipts {

    private final RedisDataSource redis;

    public UnmatchedReceipts(RedisDataSource redis) {
        this.redis = redis;
    }

    /** The set member of a receipt: the same receipt read twice is one member. The provider id goes last. */
    static String member(ReceiptStream.Stored s) {
        Receipt r = s.receipt();
        return s.receivedAtMillis() + "|" + r.state().name() + "|" + (r.doneAt() == null ? "" : r.doneAt().toEpochMilli())
                + "|" + (r.errorCode() == null ? "" : r.errorCode()) + "|" + r.providerId();
    }

    static ReceiptStream.Stored parse(String member) {
        String[] f = member.split("\\|", 5);
        if (f.length < 5) {
            return new ReceiptStream.Stored(null, new Receipt(member, ReceiptState.UNKNOWN, null, null), 0);
        }
        long at = Long.parseLong(f[0]);
        Receipt r = new Receipt(f[4], ReceiptState.parse(f[1]).orElse(ReceiptState.UNKNOWN),
                f[2].isEmpty() ? null : Instant.ofEpochMilli(Long.parseLong(f[2])), f[3].isEmpty() ? null : f[3]);
        return new ReceiptStream.Stored(null, r, at);
    }

    /** The oldest ones, at most count. */
    List<ReceiptStream.Stored> oldest(int count) {
        List<ReceiptStream.Stored> out = new ArrayList<>();
        for (ScoredValue<String> v : redis.sortedSet(String.class).zrangeWithScores(RedisKeys.unmatchedReceipts(), 0,
                count - 1, new ZRangeArgs())) {
            out.add(parse(v.value()));
        }
        return out;
    }

    void remove(List<ReceiptStream.Stored> receipts) {
        if (!receipts.isEmpty()) {
            redis.sortedSet(String.class).zrem(RedisKeys.unmatchedReceipts(),
                    receipts.stream().map(UnmatchedReceipts::member).toArray(String[]::new));
        }
    }

    public long count() {
        return redis.sortedSet(String.class).zcard(RedisKeys.unmatchedReceipts());
    }
}
