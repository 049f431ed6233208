package com.acme.sms.api.message.rest;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Text written as UTF-8 straight into a byte buffer that is handed to the stream when full. An export writes millions
 * of short fields; through a Writer (a CharsetEncoder per write) and {@link Instant#toString} (a DateTimeFormatter)
 * those two alone took half of the API's CPU time per row.
 */
final class Utf8Buffer {

    private final OutputStream out;
    private final byte[] buf;
    private int pos;

    /** Room for the longest field written in one piece (a time, a number); text goes through in pieces. */
    static final int MIN_SIZE = 64;

    Utf8Buffer(OutputStream out, int size) {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("A buffer of " + size + " bytes is smaller than " + MIN_SIZE);
        }
        this.out = out;
        this.buf = new byte[size];
    }

    /** Room for at least n more bytes. */
    private void room(int n) throws IOException {
        if (pos + n > buf.length) {
            flushBuffer();
        }
    }

    private void flushBuffer() throws IOException {
        out.write(buf, 0, pos);
        pos = 0;
    }

    /** Hands everything written so far to the stream, and flushes it. */
    void flush() throws IOException {
        flushBuffer();
        out.flush();
    }

    void ascii(char c) throws IOException {
        room(1);
        buf[pos++] = (byte) c;
    }

    /** Any text, as UTF-8; a lone surrogate (never valid text) becomes '?', as String.getBytes makes it. */
    void text(String s) throws IOException {
        text(s, 0, s.length());
    }

    void text(String s, int from, int to) throws IOException {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                room(1);
                buf[pos++] = (byte) c;
            } else if (c < 0x800) {
                room(2);
                buf[pos++] = (byte) (0xC0 | c >> 6);
                buf[pos++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                room(4);
                buf[pos++] = (byte) (0xF0 | cp >> 18);
                buf[pos++] = (byte) (0x80 | cp >> 12 & 0x3F);
                buf[pos++] = (byte) (0x80 | cp >> 6 & 0x3F);
                buf[pos++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) {
                room(1);
                buf[pos++] = '?';
            } else {
                room(3);
                buf[pos++] = (byte) (0xE0 | c >> 12);
                buf[pos++] = (byte) (0x80 | c >> 6 & 0x3F);
                buf[pos++] = (byte) (0x80 | c & 0x3F);
            }
        }
    }

    /** A whole number in decimal. */
    void number(long n) throws IOException {
        if (n < 0) {
            ascii('-');
            if (n == Long.MIN_VALUE) {
                text("9223372036854775808");
                return;
            }
            n = -n;
        }
        room(19);
        int digits = 1;
        for (long rest = n / 10; rest > 0; rest /= 10) {
            digits++;
        }
        for (int i = pos + digits - 1; i >= pos; i--) {
            buf[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        pos += digits;
    }

    /** An instant as {@link Instant#toString} writes it (see {@link #isoInstant}). */
    void instant(Instant t) throws IOException {
        room(ISO_INSTANT_MAX);
        int end = isoInstant(t, buf, pos);
        if (end < 0) {
            text(t.toString());
        } else {
            pos = end;
        }
    }

    /** The longest {@link #isoInstant}: 2026-12-04T10:15:30.123456789Z. */
    static final int ISO_INSTANT_MAX = 30;

    /**
     * Writes an instant into {@code dst} from {@code at} as {@link Instant#toString} (and so Jackson, and the sent-log)
     * writes it: ISO-8601 in UTC, the fraction in as many groups of three digits as it needs. Returns where it ended,
     * or -1 for a year outside 0000 to 9999, which no message has (PostgreSQL and the API's date filters stop there),
     * left to Instant itself.
     */
    static int isoInstant(Instant t, byte[] dst, int at) {
        long seconds = t.getEpochSecond();
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400));
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return -1;
        }
        int i = digits(dst, at, year, 4);
        dst[i++] = '-';
        i = digits(dst, i, date.getMonthValue(), 2);
        dst[i++] = '-';
        i = digits(dst, i, date.getDayOfMonth(), 2);
        dst[i++] = 'T';
        i = digits(dst, i, secondOfDay / 3600, 2);
        dst[i++] = ':';
        i = digits(dst, i, secondOfDay / 60 % 60, 2);
        dst[i++] = ':';
        i = digits(dst, i, secondOfDay % 60, 2);
        int nano = t.getNano();
        if (nano != 0) {
            dst[i++] = '.';
            if (nano % 1_000_000 == 0) {
                i = digits(dst, i, nano / 1_000_000, 3);
            } else if (nano % 1000 == 0) {
                i = digits(dst, i, nano / 1000, 6);
            } else {
                i = digits(dst, i, nano, 9);
            }
        }
        dst[i++] = 'Z';
        return i;
    }

    /** n in exactly this many digits, zeros in front, from {@code at}; returns where they end. */
    private static int digits(byte[] dst, int at, int n, int count) {
        for (int i = at + count - 1; i >= at; i--) {
            dst[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return at + count;
    }
}
