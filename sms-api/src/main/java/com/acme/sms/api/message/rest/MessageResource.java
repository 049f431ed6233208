package com.acme.sms.api.message.rest;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.MessageDraft;
import com.acme.sms.api.message.MessageExport;
import com.acme.sms.api.message.MessageRules;
import com.acme.sms.api.message.ScheduledMessages;
import com.acme.sms.api.message.SendCommand;
import com.acme.sms.api.message.SendService;
import com.acme.sms.api.message.SentLog;
import com.acme.sms.api.message.SentMessage;
import com.acme.sms.api.message.TextRules;
import com.acme.sms.api.ratelimit.ExportsInFlight;
import com.acme.sms.api.ratelimit.ReadBytesBudget;
import com.acme.sms.api.ratelimit.ReadsInFlight;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.api.security.Caller;
import com.acme.sms.api.security.Callers;
import com.acme.sms.message.MessageType;
import com.acme.sms.text.SmsText;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/messages")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Messages")
@SecurityRequirement(name = Caller.BEARER_SCHEME)
@APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
@APIResponse(responseCode = "403", description = "Jwt mode: X-Client-ID names another client than the token (problem+json)")
@APIResponse(responseCode = "429",
        description = "A per-client rate limit is reached; see Retry-After. Nothing was charged (problem+json)")
public class MessageResource {

    static final String TYPE_HEADER = "X-SMS-TYPE";
    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    static final Duration MIN_SCHEDULE_AHEAD = Duration.ofMinutes(1);
    static final Duration MAX_SCHEDULE_AHEAD = Duration.ofDays(35);
    /** The time of an export in its file name: 20261204T101500Z. */
    private static final DateTimeFormatter EXPORT_STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final SendService sender;
    private final SentLog sentLog;
    private final ApiConfig config;
    private final Callers callers;
    private final ReadsInFlight readsInFlight;
    private final ReadBytesBudget readBytes;
    private final ScheduledMessages scheduled;
    private final SentLogCursors cursors;
    private final MessageExport exports;
    private final ExportsInFlight exportsInFlight;
    private final ObjectMapper json;

    public MessageResource(SendService sender, SentLog sentLog, ApiConfig config, Callers callers,
            ReadsInFlight readsInFlight, ReadBytesBudget readBytes, ScheduledMessages scheduled, SentLogCursors cursors,
            MessageExport exports,
            ExportsInFlight exportsInFlight, ObjectMapper json) {
        this.scheduled = scheduled;
        this.cursors = cursors;
        this.exports = exports;
        this.exportsInFlight = exportsInFlight;
        this.json = json;
        this.sender = sender;
        this.sentLog = sentLog;
        this.config = config;
        this.callers = callers;
        this.readsInFlight = readsInFlight;
        this.readBytes = readBytes;
    }

    @POST
    @Path("/bulk/send")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send messages", description = """
            Validates each message, then charges one credit per valid message and queues it, in request order, for as \
            many as the balance covers. Invalid messages and those beyond the balance are rejected one by one.""")
    @APIResponse(responseCode = "202",
            description = "At least one message accepted; `results` has one outcome per input message")
    @APIResponse(responseCode = "400",
            description = "Missing/invalid headers, malformed JSON, no messages or too many (problem+json)")
    @APIResponse(responseCode = "402",
            description = "Nothing accepted for lack of credit; `results` tells each message's fate (problem+json)")
    @APIResponse(responseCode = "422",
            description = "Every message was invalid, or the Idempotency-Key was used for another request (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public Uni<Response> send(
            @Parameter(
                    description = "normal (default) or express, in ASCII letters of any case") @HeaderParam(TYPE_HEADER) String typeHeader,
            @Parameter(
                    description = "Optional, 1 to 128 of A-Z a-z 0-9 . _ : - ; a retry with the same key and body within 24 h "
                            + "is charged nothing and gets the first answer") @HeaderParam(IDEMPOTENCY_HEADER) String idempotencyKey,
            BulkSendRequest body) {
        SendCommand command = command(callers.clientId(), typeHeader, idempotencyKey, body);
        return sender.send(command).map(SendResponses::of);
    }

    @POST
    @Path("/preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Preview a text", description = """
            How a text will be sent: its encoding, how many SMS parts it takes, how full the last one is and which \
            characters forced UCS2. Charges, queues and stores nothing.""")
    @APIResponse(responseCode = "200", description = "The text's encoding and parts")
    @APIResponse(responseCode = "400", description = """
            Missing/invalid X-Client-ID (header mode), malformed JSON, or content that a send would refuse: missing, \
            empty, longer than 1600 characters, or with a control character (problem+json)""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public TextPreview preview(PreviewRequest body) {
        callers.clientId();
        // The same rule as a message's content at send time: a text the preview answers for can be sent.
        String content = body == null ? null : body.content();
        String problem = content == null ? "it is missing" : TextRules.checkText(content, 1, MessageRules.MAX_CONTENT);
        if (problem != null) {
            throw new ProblemException(ProblemCode.INVALID_CONTENT,
                    "'content' must be 1 to " + MessageRules.MAX_CONTENT + " characters, but " + problem + ".");
        }
        return TextPreview.of(content, SmsText.analyze(content));
    }

    @GET
    @Path("/sent-log")
    @Operation(summary = "Message log", description = """
            The caller's messages, newest first, with optional filters. Dates are ISO dates (UTC days) or date-times; \
            a date as to_date includes that whole day. Follow next_cursor for the next page: as fast deep in the log \
            as on its first page, and not shifted by messages that arrive meanwhile; page= reads past every earlier \
            message, and gets slower deep into a large log. total is exact when total_exact is true: when the \
            filters, status aside, match at most 10,000 messages; beyond, it is an estimate from the daily counters.""")
    @APIResponse(responseCode = "200", description = "One page of messages")
    @APIResponse(responseCode = "400", description = "Missing/invalid X-Client-ID (header mode), an invalid "
            + "parameter, page together with cursor, or a cursor not made for this client and these filters (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public SentLogPage sentLog(
            @Parameter(description = "queued, sent, delivered, undelivered or failed") @QueryParam("status") String status,
            @Parameter(description = "normal or express") @QueryParam("type") String type,
            @Parameter(
                    description = "Earliest queued time: 2026-11-25 or 2026-11-25T10:00:00Z") @QueryParam("from_date") String fromDate,
            @Parameter(
                    description = "Latest queued time: 2026-11-25 (whole day) or 2026-11-25T18:00:00Z") @QueryParam("to_date") String toDate,
            @Parameter(description = "Page number, from 1 (default 1)") @QueryParam("page") String page,
            @Parameter(description = "Page size, 1 to 100 (default 20)") @QueryParam("page_size") String pageSize,
            @Parameter(description = "next_cursor of the previous page, with the same filters and page_size; "
                    + "not with page") @QueryParam("cursor") String cursor,
            @Context RoutingContext routing) {
        String clientId = callers.clientId();
        SentLog.Filter filter = new SentLogQuery(status, type, fromDate, toDate, page, pageSize, cursor).filter();
        if (cursor != null) {
            filter = cursors.open(clientId, filter, cursor);
        }
        readBytes.admit(clientId);
        // Held until the answer has been written (the JSON is built after this method returns) or the connection
        // has closed: the context's end handlers run in both cases. Released exactly once; the bytes written are
        // charged to the client's budget then, when they are known.
        ReadsInFlight.Permit permit = readsInFlight.acquire(clientId);
        try {
            routing.addEndHandler(ended -> {
                permit.close();
                readBytes.charge(clientId, routing.response().bytesWritten());
            });
            SentLog.Page result = sentLog.find(clientId, filter);
            long totalPages = (result.total() + filter.pageSize() - 1) / filter.pageSize();
            List<MessageView> views = result.messages().stream().map(MessageView::of).toList();
            String next = result.next() == null
                    ? null
                    : cursors.seal(clientId, filter, result.next(), filter.page() == Integer.MAX_VALUE
                            ? filter.page()
                            : filter.page() + 1);
            return new SentLogPage(filter.page(), filter.pageSize(), result.total(), result.totalExact(), totalPages,
                    next, views);
        } catch (RuntimeException | Error e) {
            permit.close();
            throw e;
        }
    }

    @GET
    @Path("/export")
    @Produces({"text/csv", "application/x-ndjson"})
    @Operation(summary = "Export the message log", description = """
            All of the caller's messages that pass the filters (the sent-log's), oldest first, as one CSV or NDJSON \
            download streamed as it is read: any size, in constant memory. One export per client at a time, and at \
            most sms.api.max-exports per server. A failure after the first bytes aborts the connection: a download \
            that ends without its final chunk is incomplete.""")
    @APIResponse(responseCode = "200",
            description = "CSV (RFC 4180, header row; the default) or NDJSON (one message per line, as in the sent-log)")
    @APIResponse(responseCode = "400",
            description = "Missing/invalid X-Client-ID (header mode) or an invalid parameter (problem+json)")
    @APIResponse(responseCode = "503", description = "PostgreSQL did not answer in time; see Retry-After (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public Response export(
            @Parameter(description = "queued, sent, delivered, undelivered or failed") @QueryParam("status") String status,
            @Parameter(description = "normal or express") @QueryParam("type") String type,
            @Parameter(
                    description = "Earliest queued time: 2026-11-25 or 2026-11-25T10:00:00Z") @QueryParam("from_date") String fromDate,
            @Parameter(
                    description = "Latest queued time: 2026-11-25 (whole day) or 2026-11-25T18:00:00Z") @QueryParam("to_date") String toDate,
            @Parameter(description = "csv (default) or ndjson") @QueryParam("format") String format,
            @Context RoutingContext routing) {
        String clientId = callers.clientId();
        ExportQuery query = new ExportQuery(status, type, fromDate, toDate, format);
        MessageExport.Filter filter = query.filter();
        ExportFormat exportFormat = query.exportFormat();
        ExportsInFlight.Permit permit = exportsInFlight.acquire(clientId);
        MessageExport.Rows rows;
        try {
            rows = exports.open(clientId, filter);
        } catch (RuntimeException | Error e) {
            permit.close();
            throw e;
        }
        ExportStream body = new ExportStream(rows, permit, exportFormat, json, routing.response(), clientId);
        // The writer gives the connection and the place back when it has run; if the response ends without it
        // (the client left first), this does.
        routing.addEndHandler(ended -> body.abandon());
        String fileName = "messages-" + clientId + "-" + EXPORT_STAMP.format(Instant.now()) + "."
                + exportFormat.extension();
        return Response.ok(body, exportFormat.mediaType())
                .header("Content-Disposition", "attachment; filename=\"" + fileName + "\"")
                .header("Cache-Control", "no-store")
                .build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One message", description = "One of the caller's own messages, once a worker has processed it.")
    @APIResponse(responseCode = "200", description = "The message")
    @APIResponse(responseCode = "400",
            description = "Missing/invalid X-Client-ID (header mode) or an id that is not a UUID (problem+json)")
    @APIResponse(responseCode = "404", description = "No such message for this client (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public MessageView one(@PathParam("id") String id) {
        String clientId = callers.clientId();
        UUID messageId = messageId(id);
        return sentLog.findOne(clientId, messageId)
                .map(MessageView::of)
                .or(() -> scheduled.find(clientId, messageId).map(MessageView::scheduled))
                .orElseThrow(
                        () -> new ProblemException(ProblemCode.MESSAGE_NOT_FOUND, "No message with this id for this client."));
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(summary = "Cancel a scheduled message", description = "Takes a message sent with send_at off the "
            + "schedule and gives its credits back, once. A message that has entered its queue or was sent cannot be "
            + "cancelled.")
    @APIResponse(responseCode = "200", description = "Cancelled; `refunded` credits are back in `balance`")
    @APIResponse(responseCode = "404", description = "No message with this id for this client (problem+json)")
    @APIResponse(responseCode = "409", description = "Too late: it entered its queue or was sent (problem+json)")
    @APIResponse(responseCode = "503",
            description = "A rebuild of the live balances runs, or Redis did not answer; nothing changed (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public CancelResponse cancel(@PathParam("id") String id) {
        String clientId = callers.clientId();
        UUID messageId = messageId(id);
        ScheduledMessages.Cancellation c = scheduled.cancel(clientId, messageId);
        return switch (c.outcome()) {
            case CANCELLED -> new CancelResponse(messageId, "cancelled", c.credits(), c.balance());
            case QUEUED -> throw new ProblemException(ProblemCode.NOT_CANCELLABLE,
                    "The message's time came: it has entered its queue and is no longer cancellable.");
            case NOT_SCHEDULED -> {
                SentMessage m = sentLog.findOne(clientId, messageId).orElseThrow(() -> new ProblemException(
                        ProblemCode.MESSAGE_NOT_FOUND, "No scheduled message with this id for this client."));
                throw new ProblemException(ProblemCode.NOT_CANCELLABLE,
                        "The message is no longer scheduled: it is " + m.status() + ".", Map.of("status", m.status()));
            }
        };
    }

    /** The shape of a send request: a known type, 1 to the configured maximum of messages. */
    private SendCommand command(String clientId, String typeHeader, String idempotencyKey, BulkSendRequest body) {
        MessageType type = typeHeader == null
                ? MessageType.NORMAL
                : Ascii.type(typeHeader).orElseThrow(() -> new ProblemException(ProblemCode.INVALID_SMS_TYPE,
                        "The " + TYPE_HEADER + " header must be 'normal' or 'express'."));
        if (body == null || body.messages() == null || body.messages().isEmpty()) {
            throw new ProblemException(ProblemCode.NO_MESSAGES,
                    "Send a JSON body with a non-empty 'messages' array of {to, from, content}.");
        }
        if (body.messages().size() > config.maxMessagesPerRequest()) {
            throw new ProblemException(ProblemCode.TOO_MANY_MESSAGES, "A request may carry at most "
                    + config.maxMessagesPerRequest() + " messages; this one has " + body.messages().size() + ".");
        }
        // A null entry stays null: it is rejected alone, as an invalid message, while the others go on.
        List<MessageDraft> drafts = body.messages().stream()
                .map(m -> m == null ? null : new MessageDraft(m.to(), m.from(), m.content()))
                .toList();
        return new SendCommand(clientId, type, drafts, body.validitySeconds(), idempotencyKey, sendAt(body.sendAt()));
    }

    /** {@code send_at}: an ISO-8601 date-time with an offset, 1 minute to 35 days from now; null for now. */
    private static Instant sendAt(String sendAt) {
        if (sendAt == null) {
            return null;
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(sendAt).toInstant();
        } catch (DateTimeParseException e) {
            throw new ProblemException(ProblemCode.INVALID_SEND_AT,
                    "'send_at' must be an ISO-8601 date-time with an offset, such as 2026-12-24T09:00:00Z.");
        }
        Instant now = Instant.now();
        if (at.isBefore(now.plus(MIN_SCHEDULE_AHEAD)) || at.isAfter(now.plus(MAX_SCHEDULE_AHEAD))) {
            throw new ProblemException(ProblemCode.INVALID_SEND_AT,
                    "'send_at' must be from 1 minute to 35 days from now; leave it out to send at once.");
        }
        return at;
    }

    /** ASCII hex only: UUID.fromString also reads Arabic-Indic and other Unicode digits. */
    private static UUID messageId(String id) {
        return Ascii.uuid(id).orElseThrow(() -> new ProblemException(ProblemCode.INVALID_ID,
                "A message id is a UUID such as 0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b."));
    }
}
