package com.acme.sms.api.report.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.message.MessageType;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The usage report's query parameters, as sent: {@code from_date} and {@code to_date} are ISO dates (UTC days, both
 * included), by default the 30 days ending today; {@code type} is optional. A parameter that does not parse, or a
 * range backwards or longer than {@link #MAX_DAYS}, is an {@code invalid-parameter} problem.
 */
record UsageReportQuery(String fromDate, String toDate, String type) {

    /** A year and a day: a year's report always fits, and no request reads more than about 730 rows. */
    static final int MAX_DAYS = 366;
    static final int DEFAULT_DAYS = 30;

    record Range(LocalDate from, LocalDate to, MessageType type) {}

    Range range(LocalDate today) {
        MessageType typeFilter = type == null ? null : Ascii.type(type).orElseThrow(
                () -> invalid("'type' must be normal or express."));
        LocalDate from = date("from_date", fromDate);
        LocalDate to = date("to_date", toDate);
        if (to == null) {
            to = today;
        }
        if (from == null) {
            from = to.minusDays(DEFAULT_DAYS - 1);
        }
        if (from.isAfter(to)) {
            throw invalid("'from_date' must not be after 'to_date' (" + to + ").");
        }
        if (ChronoUnit.DAYS.between(from, to) + 1 > MAX_DAYS) {
            throw invalid("A report covers at most " + MAX_DAYS + " days; ask for a longer time in parts.");
        }
        return new Range(from, to, typeFilter);
    }

    /** A plain ISO date of years 1 to 9999; null when absent. */
    private static LocalDate date(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            // Ten characters: LocalDate.parse would also take a signed year of more digits (+10000-01-01).
            if (value.length() == 10) {
                LocalDate d = LocalDate.parse(value);
                if (d.getYear() >= 1) {
                    return d;
                }
            }
        } catch (DateTimeParseException ignored) {
            // the problem below
        }
        throw invalid("'" + name + "' must be an ISO date from 0001-01-01 to 9999-12-31, such as 2026-11-25.");
    }

    private static ProblemException invalid(String detail) {
        return new ProblemException(ProblemCode.INVALID_PARAMETER, detail);
    }
}
