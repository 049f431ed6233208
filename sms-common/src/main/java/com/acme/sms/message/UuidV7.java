package com.acme.sms.message;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time-ordered UUIDs (RFC 9562 version 7, with the optional 12-bit counter of its method 1): ids from one
 * process sort by creation, even within a millisecond, so the sent-log's "newest first" keeps request order and
 * the primary-key index stays append-mostly. A dozen lines do not justify a library.
 */
public final class UuidV7 {

    /** Milliseconds in the high 52 bits, the counter in the low 12. */
    private static final AtomicLong LAST = new AtomicLong();

    private UuidV7() {}

    public static UUID next() {
        long now = System.currentTimeMillis() << 12;
        // Beyond 4096 ids in one millisecond the counter borrows from the next millisecond: still unique and ordered.
        long stamp = LAST.updateAndGet(last -> Math.max(now, last + 1));
        long msb = ((stamp >>> 12) << 16) | 0x7000L | (stamp & 0x0FFFL);
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /**
     * The {@code sequence}-th id carrying the given time rather than now: a scheduled message's id carries the time it is due, which
     * becomes its row's queued_at and so its partition (V10). Outside the sequence of {@link #next()}: a time ahead
     * must not move every later id ahead with it.
     */
    public static UUID at(Instant time, int sequence) {
        // The sequence takes the counter's place, so the ids of one request sort in its order, as next()'s do.
        long stamp = (time.toEpochMilli() << 12) + sequence;
        long msb = ((stamp >>> 12) << 16) | 0x7000L | (stamp & 0x0FFFL);
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }

    /** The time a version 7 id carries, to the millisecond; empty for an id of another version. */
    public static Optional<Instant> time(UUID id) {
        if (id.version() != 7) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochMilli(id.getMostSignificantBits() >>> 16));
    }

    /** {@link #time} in milliseconds since 1970, for an id this process minted. */
    public static long millis(UUID id) {
        return id.getMostSignificantBits() >>> 16;
    }
}
