package com.acme.sms.api.message.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.MessageExport;
import com.acme.sms.api.message.SentLog;
import com.acme.sms.api.rest.Ascii;

/**
 * An export's query parameters, as sent: the sent-log's filters, read by {@link SentLogQuery} (so both mean the same),
 * and {@code format}, {@code csv} when absent. A parameter that does not parse is an {@code invalid-parameter} problem
 * naming it.
 */
record ExportQuery(String status, String type, String fromDate, String toDate, String format) {

    MessageExport.Filter filter() {
        SentLog.Filter f = new SentLogQuery(status, type, fromDate, toDate, null, null).filter();
        return new MessageExport.Filter(f.status(), f.type(), f.from(), f.until());
    }

    ExportFormat exportFormat() {
        if (format == null) {
            return ExportFormat.CSV;
        }
        if (Ascii.isLetters(format)) {
            for (ExportFormat f : ExportFormat.values()) {
                if (f.wireName().equalsIgnoreCase(format)) {
                    return f;
                }
            }
        }
        throw new ProblemException(ProblemCode.INVALID_PARAMETER, "'format' must be csv or ndjson.");
    }
}
