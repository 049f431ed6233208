package com.acme.sms.api.message.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.SentLog;
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
 * an {@code invalid-parameter} problem naming it. Absent parameters mean no filter, page 1 and 20 per page.
 */
public record SentLogQuery(String status, String type, String fromDate, String toDate, String page, String pageSize) {

    static final int MAX_PAGE = 1_000_000;
    static final int MAX_PAGE_SIZE = 100;
    static final int DEFAULT_PAGE_SIZE = 20;

    public SentLog.Filter filter() {
        MessageStatus statusFilter = status == null ? null : MessageStatus.parse(status).orElseThrow(
                () -> invalid("'status' must be one of queued, sent, failed."));
        MessageType typeFilter = type == null ? null : MessageType.parse(type).orElseThrow(
                () -> invalid("'type' must be normal or express."));
        Instant from = fromDate == null ? null : bound("from_date", fromDate, false);
        Instant until = toDate == null ? null : bound("to_date", toDate, true);
        if (from != null && until != null && !from.isBefore(until)) {
            throw invalid("'from_date' must be before 'to_date'.");
        }
        int pageNumber = number("page", page, 1, 1, MAX_PAGE);
        int size = number("page_size", pageSize, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        return new SentLog.Filter(statusFilter, typeFilter, from, until, pageNumber, size);
    }

    private static int number(String name, String value, int fallback, int min, int max) {
        if (value == null) {
            return fallback;
        }
        try {
            if (value.length() > 10) {
                throw new NumberFormatException();
            }
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw invalid("'" + name + "' must be a whole number from " + min + " to " + max + ".");
        }
    }

    /** A lower bound (inclusive) or, with {@code end}, an upper bound turned exclusive. Times without offset are UTC. */
    private static Instant bound(String name, String value, boolean end) {
        if (value.length() <= 40) {
            try {
                Instant t = OffsetDateTime.parse(value).toInstant();
                return end ? t.plus(1, ChronoUnit.MICROS) : t;
            } catch (DateTimeParseException ignored) {
                // try the next form
            }
            try {
                Instant t = LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
                return end ? t.plus(1, ChronoUnit.MICROS) : t;
            } catch (DateTimeParseException ignored) {
                // try the next form
            }
            try {
                LocalDate day = LocalDate.parse(value);
                return (end ? day.plusDays(1) : day).atStartOfDay().toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException ignored) {
                // fall through to the error
            }
        }
        throw invalid("'" + name + "' must be an ISO date (2026-11-25) or date-time (2026-11-25T10:00:00Z).");
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(ProblemCode.INVALID_PARAMETER, detail);
    }
}
