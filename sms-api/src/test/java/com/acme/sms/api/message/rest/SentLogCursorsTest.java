package com.acme.sms.api.message.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.SentLog;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sealing and opening cursors; the endpoint's use of them is covered by SentLogCursorTest. */
class SentLogCursorsTest {

    static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static final SentLogCursors CURSORS = new SentLogCursors("a key of at least sixteen".getBytes(StandardCharsets.UTF_8));
    static final SentLog.Filter FILTER = new SentLog.Filter(MessageStatus.DELIVERED, MessageType.EXPRESS,
            Instant.parse("2026-11-20T00:00:00Z"), Instant.parse("2026-11-26T00:00:00Z"), 1, 20);
    // microseconds, as PostgreSQL keeps them
    static final SentLog.Position POSITION = new SentLog.Position(Instant.parse("2026-11-25T10:04:00.123456Z"),
            UuidV7.at(Instant.parse("2026-11-25T10:04:00.123Z"), 7));

    @Test
    void aCursorOpensToItsPositionAndPageUnderTheSameClientAndFilters() {
        String cursor = CURSORS.seal("acme", FILTER, POSITION, 2);
        assertThat(cursor).hasSize(SentLogCursors.LENGTH).matches("[A-Za-z0-9_-]+");
        assertThat(CURSORS.open("acme", FILTER, cursor)).isEqualTo(FILTER.after(POSITION, 2));
        // a position before 1970 too
        SentLog.Position old = new SentLog.Position(Instant.parse("1969-12-31T23:59:59.999999Z"), POSITION.id());
        assertThat(CURSORS.open("acme", FILTER, CURSORS.seal("acme", FILTER, old, 9)).after()).isEqualTo(old);
    }

    @Test
    void anotherClientOtherFiltersOrAnotherKeyAreRefused() {
        String cursor = CURSORS.seal("acme", FILTER, POSITION, 2);
        assertInvalid(() -> CURSORS.open("acme2", FILTER, cursor));
        for (SentLog.Filter other : List.of(
                new SentLog.Filter(null, FILTER.type(), FILTER.from(), FILTER.until(), 1, 20),
                new SentLog.Filter(MessageStatus.UNDELIVERED, FILTER.type(), FILTER.from(), FILTER.until(), 1, 20),
                new SentLog.Filter(FILTER.status(), MessageType.NORMAL, FILTER.from(), FILTER.until(), 1, 20),
                new SentLog.Filter(FILTER.status(), FILTER.type(), null, FILTER.until(), 1, 20),
                new SentLog.Filter(FILTER.status(), FILTER.type(), FILTER.from().plusNanos(1), FILTER.until(), 1, 20),
                new SentLog.Filter(FILTER.status(), FILTER.type(), FILTER.from(), null, 1, 20),
                // the until of one filter as the from of another: presence is part of what is signed
                new SentLog.Filter(FILTER.status(), FILTER.type(), null, FILTER.from(), 1, 20),
                new SentLog.Filter(FILTER.status(), FILTER.type(), FILTER.from(), FILTER.until(), 1, 21))) {
            assertInvalid(() -> CURSORS.open("acme", other, cursor));
        }
        SentLogCursors otherKey = new SentLogCursors("another key, sixteen or more".getBytes(StandardCharsets.UTF_8));
        assertInvalid(() -> otherKey.open("acme", FILTER, cursor));
    }

    @Test
    void everyAlteredByteAndEveryMalformedCursorIsRefused() {
        byte[] raw = Base64.getUrlDecoder().decode(CURSORS.seal("acme", FILTER, POSITION, 2));
        for (int i = 0; i < raw.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] altered = raw.clone();
                altered[i] ^= (byte) (1 << bit);
                String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(altered);
                assertInvalid(() -> CURSORS.open("acme", FILTER, cursor));
            }
        }
        String cursor = CURSORS.seal("acme", FILTER, POSITION, 2);
        // the last character holds 2 bits of the MAC and 4 unused ones: flipping an unused one is refused too
        char last = cursor.charAt(cursor.length() - 1);
        String respelt = cursor.substring(0, cursor.length() - 1) + BASE64URL.charAt(BASE64URL.indexOf(last) ^ 1);
        for (String bad : List.of("", "x", cursor.substring(1), cursor + "A", respelt,
                cursor.substring(0, 10) + "+" + cursor.substring(11),
                "!".repeat(cursor.length()), cursor.substring(0, cursor.length() - 2) + "==", "%".repeat(500))) {
            assertInvalid(() -> CURSORS.open("acme", FILTER, bad));
        }
    }

    private static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable open) {
        assertThatThrownBy(open).isInstanceOf(ProblemException.class)
                .satisfies(e -> assertThat(((ProblemException) e).code()).isEqualTo("invalid-cursor"));
    }
}
