package com.acme.sms.message;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Time-ordered UUIDs (RFC 9562 version 7): message ids sort by creation time, which keeps the primary-key index
 * append-mostly under heavy inserts. Eight lines do not justify a library.
 */
public final class UuidV7 {

    private UuidV7() {}

    public static UUID next() {
        return at(System.currentTimeMillis());
    }

    static UUID at(long epochMillis) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long msb = (epochMillis << 16) | 0x7000L | (rnd.nextLong() & 0x0FFFL);
        long lsb = (rnd.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb);
    }
}
