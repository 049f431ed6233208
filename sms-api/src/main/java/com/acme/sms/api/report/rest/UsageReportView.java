package com.acme.sms.api.report.rest;

import com.acme.sms.api.report.UsageReport;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.LocalDate;
import java.util.List;

/**
 * The usage report: the range it covers (as asked, or the defaults), the type it is limited to (absent: both), one
 * entry per day and type with messages, and the sum of the entries.
 */
public record UsageReportView(LocalDate fromDate, LocalDate toDate,
        @JsonInclude(JsonInclude.Include.NON_NULL) String type, List<DayView> days, Totals totals) {

    public record DayView(LocalDate day, String type, long accepted, long sent, long delivered, long undelivered,
            long failed, long creditsCharged, long creditsRefunded) {}

    public record Totals(long accepted, long sent, long delivered, long undelivered, long failed, long creditsCharged,
            long creditsRefunded) {}

    static UsageReportView of(UsageReportQuery.Range range, UsageReport.Usage usage) {
        List<DayView> days = usage.days().stream().map(d -> {
            UsageReport.Counts c = d.counts();
            return new DayView(d.day(), d.type(), c.accepted(), c.sent(), c.delivered(), c.undelivered(), c.failed(),
                    c.creditsCharged(), c.creditsRefunded());
        }).toList();
        UsageReport.Counts t = usage.totals();
        return new UsageReportView(range.from(), range.to(), range.type() == null ? null : range.type().wireName(),
                days, new Totals(t.accepted(), t.sent(), t.delivered(), t.undelivered(), t.failed(),
                        t.creditsCharged(), t.creditsRefunded()));
    }
}
