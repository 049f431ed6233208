package com.acme.sms.api.message.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.SentLog;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The sent-log's query parameters, as sent, read into a {@link SentLog.Filter}; a parameter that does not parse is
 * an {@code invalid-parameter} problem naming it. Absent parameters mean no filter, page 1 and 20 per page. The
 * {@code cursor} is only checked against {@code page} here; {@link SentLogCursors} opens it.
 */
public record SentLogQuery(String status, String type, String fromDate, String toDate, String page, String pageSize,
        String cursor) {

    public SentLogQuery(String status, String type, String fromDate, String toDate, String page, String pageSize) {
        this(status, type, fromDate, toDate, page, pageSize, null);
    }

    static final int MAX_PAGE = 1_000_000;
    static final int MAX_PAGE_SIZE = 100;
    static final int DEFAULT_PAGE_SIZE = 20;
    /**
     * The dates a filter may name: years 1 to 9999. Java reads years up to +999999999, PostgreSQL's timestamps end
     * in 294276 AD, and a bound beyond that failed in the database (500) instead of being refused here.
     */
    static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    public SentLog.Filter filter() {
        MessageStatus statusFilter = status == null ? null : Ascii.status(status).orElseThrow(
                () -> invalid("'status' must be one of queued, sent, delivered, undelivered, failed."));
        MessageType typeFilter = type == null ? null : Ascii.type(type).orElseThrow(
                () -> invalid("'type' must be normal or express."));
        Instant from = fromDate == null ? null : bound("from_date", fromDate, false);
        Instant until = toDate == null ? null : bound("to_date", toDate, true);
        if (from != null && until != null && !from.isBefore(until)) {
            throw invalid("'from_date' must be before 'to_date'.");
        }
        if (cursor != null && page != null) {
            throw invalid("Send either 'page' or 'cursor', not both: a cursor names its page.");
        }
        int pageNumber = number("page", page, 1, 1, MAX_PAGE);
        int size = number("page_size", pageSize, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        return new SentLog.Filter(statusFilter, typeFilter, from, until, pageNumber, size);
    }

    private static int number(String name, String value, int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        // ASCII digits only: Integer.parseInt would also read '+1' and Arabic-Indic or other Unicode digits.
        long n = Ascii.number(value, 10).orElse(-1);
        if (n < min || n > max) {
            throw invalid("'" + name + "' must be a whole number from " + min + " to " + max + ".");
        }
        return (int) n;
    }

    /** A lower bound (inclusive) or, with {@code end}, an upper bound turned exclusive. Times without offset are UTC. */
    private static Instant bound(String name, String value, boolean end) {
        Instant t = null;
        boolean wholeDay = false;
        if (value.length() <= 40) {
            t = dateTime(value);
            if (t == null) {
                LocalDate day = date(value);
                t = day == null ? null : day.atStartOfDay().toInstant(ZoneOffset.UTC);
                wholeDay = true;
            }
        }
        if (t == null) {
            throw invalid("'" + name + "' must be an ISO date (2026-11-25) or date-time (2026-11-25T10:00:00Z).");
        }
        if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
            throw invalid("'" + name + "' must be a date from 0001-01-01 to 9999-12-31.");
        }
        if (!end) {
            return t;
        }
        return wholeDay ? t.plus(1, ChronoUnit.DAYS) : t.plus(1, ChronoUnit.MICROS);
    }

    private static Instant dateTime(String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next form
        }
        try {
            return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    private static LocalDate date(String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(ProblemCode.INVALID_PARAMETER, detail);
    }
}
