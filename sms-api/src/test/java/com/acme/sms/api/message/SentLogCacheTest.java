package com.acme.sms.api.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The page cache's bound and expiry, on a clock the test moves. */
class SentLogCacheTest {

    static final long SECOND = 1_000_000_000L;

    final AtomicLong clock = new AtomicLong(42);

    static SentLog.Page page(int messages, int chars) {
        List<SentMessage> list = new ArrayList<>();
        for (int i = 0; i < messages; i++) {
            list.add(new SentMessage(UUID.randomUUID(), "normal", "+4917012345", "App", "x".repeat(chars), "sent",
                    Instant.EPOCH, Instant.EPOCH, null, 1, 1, null, null, null, null, 1));
        }
        return new SentLog.Page(messages, true, list, null);
    }

    @Test
    void evictsTheOldestPagesToStayWithinTheBytes() {
        long one = SentLogCache.weigh("k0", page(10, 1000));
        SentLogCache cache = new SentLogCache(3 * one, 2 * SECOND, clock::get);
        for (int i = 0; i < 10; i++) {
            cache.put("k" + i, page(10, 1000));
            assertThat(cache.bytes()).isLessThanOrEqualTo(3 * one);
        }
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.get("k6")).isNull();
        assertThat(cache.get("k9")).isNotNull();
    }

    @Test
    void aPageLargerThanTheBoundIsNotKeptAndFlushesNothing() {
        SentLogCache cache = new SentLogCache(100_000, 2 * SECOND, clock::get);
        cache.put("small", page(1, 10));
        cache.put("huge", page(100, 1600));
        assertThat(cache.get("huge")).isNull();
        assertThat(cache.get("small")).isNotNull();
    }

    @Test
    void expiredPagesAreDroppedBySweepAndNeverServed() {
        SentLogCache cache = new SentLogCache(10_000_000, 2 * SECOND, clock::get);
        cache.put("a", page(5, 100));
        clock.addAndGet(SECOND);
        cache.put("b", page(5, 100));
        clock.addAndGet(SECOND);
        assertThat(cache.get("a")).isNull();
        assertThat(cache.size()).isEqualTo(1);
        clock.addAndGet(SECOND);
        cache.sweep();
        assertThat(cache.size()).isZero();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void replacingAKeyCountsItsBytesOnce() {
        SentLogCache cache = new SentLogCache(10_000_000, 2 * SECOND, clock::get);
        cache.put("a", page(5, 100));
        long once = cache.bytes();
        cache.put("a", page(5, 100));
        assertThat(cache.bytes()).isEqualTo(once);
        assertThat(SentLogCache.weigh("a", page(100, 3200)))
                .as("largest page: 100 messages of 1,600 emoji (3,200 chars)").isBetween(640_000L, 720_000L);
    }
}
