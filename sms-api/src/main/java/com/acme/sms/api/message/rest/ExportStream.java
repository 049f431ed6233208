package com.acme.sms.api.message.rest;

import com.acme.sms.api.message.MessageExport;
import com.acme.sms.api.ratelimit.ExportsInFlight;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The body of an export: its rows written as PostgreSQL hands them over (MessageExport reads them a few chunks ahead),
 * on the request's worker thread, which waits whenever the client reads slower than the rows come (the response's
 * stream blocks), so memory holds a few thousand rows and a buffer, whatever the size of the export.
 *
 * <p>The status (200) and the first rows are on their way before the last rows are read, so a failure after that
 * can no longer become a problem answer. It aborts the connection instead: the client sees a download cut short
 * (for curl, exit code 18), never a file that looks complete with rows missing.
 */
final class ExportStream implements StreamingOutput {

    private final MessageExport.Rows rows;
    private final ExportsInFlight.Permit permit;
    private final ExportFormat format;
    private final ObjectMapper json;
    private final HttpServerResponse response;
    private final String clientId;
    /** Set by whichever comes first: the writer, or the end of the response without it (see {@link #abandon}). */
    private final AtomicBoolean taken = new AtomicBoolean();
    private static final long CLOSE_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(2);

    ExportStream(MessageExport.Rows rows, ExportsInFlight.Permit permit, ExportFormat format, ObjectMapper json,
            HttpServerResponse response, String clientId) {
        this.rows = rows;
        this.permit = permit;
        this.format = format;
        this.json = json;
        this.response = response;
        this.clientId = clientId;
    }

    /**
     * The response ended (or its connection closed). When that happened before the body was written, nothing else
     * will give the connection and the export's place back. Once the writer runs it does so itself.
     */
    void abandon() {
        if (taken.compareAndSet(false, true)) {
            release();
        }
    }

    @Override
    public void write(OutputStream out) throws IOException {
        if (!taken.compareAndSet(false, true)) {
            throw new IOException("The export's response ended before its body was written");
        }
        long[] written = {0};
        try {
            ExportFormat.RowWriter writer = format.writer(out, json);
            rows.writeTo(m -> {
                writer.row(m);
                written[0]++;
            });
            writer.finish();
            Log.debugf("Export of %s: %d rows", clientId, written[0]);
        } catch (IOException | RuntimeException | Error e) {
            // Cut the connection before anything can end the response as if it were complete, and wait until it is
            // cut: the close runs on the connection's event loop, and the framework, handed the failure, ends the
            // response from here. Under load the end's last chunk went out first once (a test saw a clean end).
            response.reset();
            awaitClosed();
            if (e instanceof IOException) {
                Log.infof("Export of %s ended after %d rows, the client went away: %s", clientId, written[0],
                        e.getMessage());
            } else {
                Log.warnf(e, "Export of %s failed after %d rows; its connection was aborted", clientId, written[0]);
            }
            throw e;
        } finally {
            release();
        }
    }

    private void awaitClosed() {
        long until = System.nanoTime() + CLOSE_WAIT_NANOS;
        while (!response.closed() && System.nanoTime() < until) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void release() {
        try {
            rows.close();
        } finally {
            permit.close();
        }
    }
}
