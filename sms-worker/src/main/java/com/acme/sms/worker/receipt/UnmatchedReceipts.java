package com.acme.sms.worker.receipt;

import com.acme.sms.redis.RedisKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.redis.datasource.sortedset.ZAddArgs;
import io.quarkus.redis.datasource.sortedset.ZRangeArgs;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Receipts whose message was not found when they were applied ({@code sms:receipts:unmatched}): a receipt may
 * overtake its message's row (the SMSC answers faster than the worker writes PostgreSQL), or belong to a message
 * whose send answer was lost. They are tried again until the retention ends, then dropped with a count.
 * <p>
 * The set is a schedule: a receipt's score is when it is next due (at first when it arrived). One tried in vain
 * waits about as long as it has waited already, at least {@code sms.receipts.unmatched-retry}, at most
 * {@link #LONGEST_WAIT}. A receipt that overtook its row is matched within seconds; one still unmatched after
 * minutes mostly never will be (its message was presumed sent, or is another system's). Taking the oldest first
 * instead let a thousand of those, kept for the hour, stand before every newer receipt: those were never tried
 * again, and their messages stayed {@code sent} (seen in SmppIT when an earlier test had left such receipts).
 */
@ApplicationScoped
public class UnmatchedReceipts {

    /** Longest wait between two tries of one receipt: a row written late is found this long after it is at most. */
    static final Duration LONGEST_WAIT = Duration.ofMinutes(5);

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

    /** Those due by the given time, the longest due first, at most count. */
    List<ReceiptStream.Stored> due(long nowMillis, int count) {
        List<ReceiptStream.Stored> out = new ArrayList<>();
        for (String member : redis.sortedSet(String.class).zrangebyscore(RedisKeys.unmatchedReceipts(),
                new ScoreRange<>(Double.NEGATIVE_INFINITY, (double) nowMillis), new ZRangeArgs().limit(0, count))) {
            out.add(parse(member));
        }
        return out;
    }

    /**
     * Schedules the next try of receipts tried in vain now. Only those still in the set: another applier may have
     * matched or dropped one meanwhile, and it must not come back.
     */
    void later(List<ReceiptStream.Stored> receipts, long nowMillis, Duration shortestWait) {
        if (receipts.isEmpty()) {
            return;
        }
        Map<String, Double> next = new HashMap<>();
        for (ReceiptStream.Stored s : receipts) {
            long waited = Math.max(0, nowMillis - s.receivedAtMillis());
            long wait = Math.min(LONGEST_WAIT.toMillis(), Math.max(shortestWait.toMillis(), waited));
            next.put(member(s), (double) (nowMillis + wait));
        }
        redis.sortedSet(String.class).zadd(RedisKeys.unmatchedReceipts(), new ZAddArgs().xx(), next);
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
