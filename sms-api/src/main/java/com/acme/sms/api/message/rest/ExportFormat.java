package com.acme.sms.api.message.rest;

import com.acme.sms.api.message.SentMessage;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;

/**
 * The two forms of an export, each a row at a time with the fields of {@link MessageView}: CSV (RFC 4180, with a
 * header row) and NDJSON (one JSON object per line, exactly as the sent-log shows a message).
 */
enum ExportFormat {

    CSV("csv", "text/csv; charset=UTF-8; header=present", "csv"),
    NDJSON("ndjson", "application/x-ndjson", "ndjson");

    /** Bytes gathered before they go to the client: a few hundred rows per write, a few dozen writes per batch. */
    static final int BUFFER_BYTES = 64 * 1024;

    /** The columns of the CSV form, in its order: MessageView's fields as JSON names them. */
    static final String CSV_HEADER = "id,type,to,from,content,status,queued_at,updated_at,error_message,attempts,"
            + "segments,provider_message_id,sent_at,delivered_at,error_code,credits";

    private final String wireName;
    private final String mediaType;
    private final String extension;

    ExportFormat(String wireName, String mediaType, String extension) {
        this.wireName = wireName;
        this.mediaType = mediaType;
        this.extension = extension;
    }

    String wireName() {
        return wireName;
    }

    String mediaType() {
        return mediaType;
    }

    String extension() {
        return extension;
    }

    /** Writes rows to {@code out}; {@link #finish} flushes what is left, and must be called for a complete file. */
    interface RowWriter {
        void row(SentMessage m) throws IOException;

        void finish() throws IOException;
    }

    /** A writer of this form onto {@code out}, which it buffers. */
    RowWriter writer(OutputStream out, ObjectMapper json) throws IOException {
        return this == CSV ? new CsvWriter(out) : new NdjsonWriter(new BufferedOutputStream(out, BUFFER_BYTES), json);
    }

    /** RFC 4180: fields separated by commas, records by CRLF; a field with a comma, quote, CR or LF is quoted. */
    static final class CsvWriter implements RowWriter {

        private final Utf8Buffer out;

        CsvWriter(OutputStream out) throws IOException {
            this.out = new Utf8Buffer(out, BUFFER_BYTES);
            this.out.text(CSV_HEADER);
            this.out.text("\r\n");
        }

        @Override
        public void row(SentMessage m) throws IOException {
            // Ids, types, statuses, times and numbers never need quoting; the rest is the client's text or the
            // carrier's, and may hold anything.
            out.text(m.id().toString());
            out.ascii(',');
            out.text(m.type());
            out.ascii(',');
            text(m.to());
            out.ascii(',');
            text(m.from());
            out.ascii(',');
            text(m.content());
            out.ascii(',');
            out.text(m.status());
            out.ascii(',');
            time(m.queuedAt());
            out.ascii(',');
            time(m.updatedAt());
            out.ascii(',');
            text(m.errorMessage());
            out.ascii(',');
            out.number(m.attempts());
            out.ascii(',');
            out.number(m.segments());
            out.ascii(',');
            text(m.providerMessageId());
            out.ascii(',');
            time(m.sentAt());
            out.ascii(',');
            time(m.deliveredAt());
            out.ascii(',');
            text(m.errorCode());
            out.ascii(',');
            out.number(m.credits());
            out.ascii('\r');
            out.ascii('\n');
        }

        /** Null is an empty field. */
        private void text(String s) throws IOException {
            if (s == null) {
                return;
            }
            if (!needsQuotes(s)) {
                out.text(s);
                return;
            }
            out.ascii('"');
            int from = 0;
            for (int i = s.indexOf('"'); i >= 0; i = s.indexOf('"', from)) {
                out.text(s, from, i + 1);
                out.ascii('"');
                from = i + 1;
            }
            out.text(s, from, s.length());
            out.ascii('"');
        }

        static boolean needsQuotes(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == ',' || c == '"' || c == '\n' || c == '\r') {
                    return true;
                }
            }
            return false;
        }

        /** As JSON writes it (ISO-8601 in UTC, as many fraction digits as it has), so both forms agree. */
        private void time(Instant t) throws IOException {
            if (t != null) {
                out.instant(t);
            }
        }

        @Override
        public void finish() throws IOException {
            out.flush();
        }
    }

    /**
     * One message per line, as the sent-log writes a {@link MessageView} (a test holds each line equal to the
     * one-message endpoint's answer), each line ended by LF. Written field by field with the ObjectMapper's own
     * generator (its escaping, and emoji as UTF-8, see JsonOutput), but not through the mapper: its bean serializer
     * and DateTimeFormatter cost twice the CPU time of the rest of the export.
     */
    static final class NdjsonWriter implements RowWriter {

        private final JsonGenerator out;
        private final byte[] time = new byte[Utf8Buffer.ISO_INSTANT_MAX];

        NdjsonWriter(OutputStream out, ObjectMapper json) throws IOException {
            this.out = json.getFactory().createGenerator(out);
            // Lines are separated here; the generator would put a space between root values.
            this.out.setRootValueSeparator(null);
        }

        @Override
        public void row(SentMessage m) throws IOException {
            out.writeStartObject();
            out.writeStringField("id", m.id().toString());
            out.writeStringField("type", m.type());
            out.writeStringField("to", m.to());
            out.writeStringField("from", m.from());
            out.writeStringField("content", m.content());
            out.writeStringField("status", m.status());
            time("queued_at", m.queuedAt());
            time("updated_at", m.updatedAt());
            out.writeStringField("error_message", m.errorMessage());
            out.writeNumberField("attempts", m.attempts());
            out.writeNumberField("segments", m.segments());
            out.writeStringField("provider_message_id", m.providerMessageId());
            time("sent_at", m.sentAt());
            time("delivered_at", m.deliveredAt());
            out.writeStringField("error_code", m.errorCode());
            out.writeNumberField("credits", m.credits());
            out.writeEndObject();
            out.writeRaw('\n');
        }

        private void time(String name, Instant t) throws IOException {
            out.writeFieldName(name);
            int end = t == null ? 0 : Utf8Buffer.isoInstant(t, time, 0);
            if (t == null) {
                out.writeNull();
            } else if (end < 0) {
                out.writeString(t.toString());
            } else {
                // Digits, '-', ':', '.', 'T' and 'Z' only: nothing to escape.
                out.writeRawUTF8String(time, 0, end);
            }
        }

        @Override
        public void finish() throws IOException {
            out.flush();
        }
    }
}
