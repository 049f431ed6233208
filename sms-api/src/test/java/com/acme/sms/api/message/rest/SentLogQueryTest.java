package com.acme.sms.api.message.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.SentLog;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Reading the sent-log's query parameters; the endpoint itself is covered by SentLogResourceTest. */
class SentLogQueryTest {

    @Test
    void absentParametersMeanEverythingOnTheFirstPage() {
        assertThat(new SentLogQuery(null, null, null, null, null, null).filter())
                .isEqualTo(new SentLog.Filter(null, null, null, null, 1, 20));
    }

    @Test
    void aDateAsUpperBoundIncludesTheWholeDayAndTimesWithoutOffsetAreUtc() {
        SentLog.Filter f = new SentLogQuery("SENT", "express", "2026-11-25T10:00:00", "2026-11-25", "3", "100").filter();
        assertThat(f.status()).isEqualTo(MessageStatus.SENT);
        assertThat(f.type()).isEqualTo(MessageType.EXPRESS);
        assertThat(f.from()).isEqualTo(Instant.parse("2026-11-25T10:00:00Z"));
        assertThat(f.until()).isEqualTo(Instant.parse("2026-11-26T00:00:00Z"));
        assertThat(f.page()).isEqualTo(3);
        assertThat(f.pageSize()).isEqualTo(100);
        // a date-time upper bound includes its own instant
        assertThat(new SentLogQuery(null, null, null, "2026-11-25T18:00:00+01:00", null, null).filter().until())
                .isEqualTo(Instant.parse("2026-11-25T17:00:00.000001Z"));
    }

    @Test
    void aBadParameterIsAnInvalidParameterProblemNamingIt() {
        assertInvalid(new SentLogQuery("lost", null, null, null, null, null),
                "'status' must be one of queued, sent, delivered, undelivered, failed.");
        assertInvalid(new SentLogQuery(null, "slow", null, null, null, null), "'type' must be normal or express.");
        assertInvalid(new SentLogQuery(null, null, "yesterday", null, null, null),
                "'from_date' must be an ISO date (2026-11-25) or date-time (2026-11-25T10:00:00Z).");
        assertInvalid(new SentLogQuery(null, null, "2026-11-26", "2026-11-25", null, null),
                "'from_date' must be before 'to_date'.");
        assertInvalid(new SentLogQuery(null, null, null, null, "0", null), "'page' must be a whole number from 1 to 1000000.");
        assertInvalid(new SentLogQuery(null, null, null, null, null, "101"),
                "'page_size' must be a whole number from 1 to 100.");
        assertInvalid(new SentLogQuery(null, null, null, null, "99999999999", null),
                "'page' must be a whole number from 1 to 1000000.");
        assertInvalid(new SentLogQuery(null, null, null, null, "2", null, "a-cursor"),
                "Send either 'page' or 'cursor', not both: a cursor names its page.");
    }

    private static void assertInvalid(SentLogQuery query, String detail) {
        assertThatThrownBy(query::filter).isInstanceOf(ProblemException.class).hasMessage(detail)
                .satisfies(e -> assertThat(((ProblemException) e).code()).isEqualTo("invalid-parameter"));
    }
}
