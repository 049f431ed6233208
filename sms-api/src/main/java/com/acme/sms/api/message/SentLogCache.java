package com.acme.sms.api.message;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Sent-log pages kept for a fixed time, bounded by the bytes they hold rather than by their number: one page of 100
 * messages of 1,600 emoji holds about 680 KB, one of 20 short messages about 12 KB, so a bound by count lets a client
 * that reads big pages under ever new filters fill the heap (issue 16).
 * <p>
 * Every entry lives the same time, so insertion order is expiry order: expired entries are always at the head, a
 * sweep stops at the first live one, and the entry evicted to make room is the one closest to expiry anyway.
 * {@link #sweep()} is called on every access and by a timer, so expired pages leave memory when they expire, also
 * without traffic. Thread-safe: one lock, held only for map operations, never for a query.
 */
final class SentLogCache {

    /** Fixed cost of one cached message beyond its text: record, UUID, two Instants, six String headers, list slot. */
    static final long MESSAGE_OVERHEAD = 320;
    /** Fixed cost of one entry: key string, map node, page record, list. */
    static final long ENTRY_OVERHEAD = 256;

    private record Entry(SentLog.Page page, long bytes, long expiresAtNanos) {}

    private final long maxBytes;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
    private long bytes;

    SentLogCache(long maxBytes, long ttlNanos, LongSupplier nanoClock) {
        this.maxBytes = maxBytes;
        this.ttlNanos = ttlNanos;
        this.clock = nanoClock;
    }

    /**
     * The heap a page holds, over-estimated: two bytes for every character (Java keeps text outside Latin-1 as
     * UTF-16) plus fixed per-object costs. Its JSON can be larger (emoji are written as escaped surrogate pairs,
     * 12 bytes each), but that is built per response and not kept.
     */
    static long weigh(String key, SentLog.Page page) {
        long b = ENTRY_OVERHEAD + 2L * key.length();
        for (SentMessage m : page.messages()) {
            b += MESSAGE_OVERHEAD + 2L * (len(m.type()) + len(m.to()) + len(m.from()) + len(m.content())
                    + len(m.status()) + len(m.errorMessage()));
        }
        return b;
    }

    private static int len(String s) {
        return s == null ? 0 : s.length();
    }

    /** The page cached under the key if it has not expired, else null. */
    synchronized SentLog.Page get(String key) {
        long now = clock.getAsLong();
        sweep(now);
        Entry e = entries.get(key);
        return e == null ? null : e.page();
    }

    /** Keeps the page for the cache period, evicting the oldest pages to stay within the byte bound. */
    synchronized void put(String key, SentLog.Page page) {
        long size = weigh(key, page);
        if (size > maxBytes) {
            return; // could never fit: caching it would only flush every other client's pages
        }
        long now = clock.getAsLong();
        sweep(now);
        Entry old = entries.remove(key);
        if (old != null) {
            bytes -= old.bytes();
        }
        Iterator<Entry> oldest = entries.values().iterator();
        while (bytes + size > maxBytes && oldest.hasNext()) {
            bytes -= oldest.next().bytes();
            oldest.remove();
        }
        entries.put(key, new Entry(page, size, now + ttlNanos));
        bytes += size;
    }

    /** Drops every expired page. */
    synchronized void sweep() {
        sweep(clock.getAsLong());
    }

    private void sweep(long now) {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (now - e.expiresAtNanos() < 0) {
                return;
            }
            bytes -= e.bytes();
            it.remove();
        }
    }

    /** Bytes held by the cached pages, as {@link #weigh} counts them. */
    synchronized long bytes() {
        return bytes;
    }

    synchronized int size() {
        return entries.size();
    }

    long maxBytes() {
        return maxBytes;
    }
}
