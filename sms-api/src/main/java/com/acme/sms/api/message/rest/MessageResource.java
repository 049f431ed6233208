package com.acme.sms.api.message.rest;

import com.acme.sms.api.caller.Caller;
import com.acme.sms.api.caller.Callers;
import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.error.ApiException;
import com.acme.sms.api.message.SendService;
import com.acme.sms.api.message.SentLog;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
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
@APIResponse(responseCode = "429", description = "A per-client rate limit is reached; see Retry-After. Nothing was charged (problem+json)")
public class MessageResource {

    static final String TYPE_HEADER = "X-SMS-TYPE";
    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    static final long MAX_NORMAL_VALIDITY_SECONDS = 7 * 24 * 3600;
    static final int MAX_PAGE = 1_000_000;
    static final int MAX_PAGE_SIZE = 100;

    private final SendService sender;
    private final SentLog sentLog;
    private final ApiConfig config;
    private final ObjectMapper json;
    private final Callers callers;

    public MessageResource(SendService sender, SentLog sentLog, ApiConfig config, ObjectMapper json, Callers callers) {
        this.sender = sender;
        this.sentLog = sentLog;
        this.config = config;
        this.json = json;
        this.callers = callers;
    }

    @POST
    @Path("/bulk/send")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send messages", description = """
            Validates each message, then charges one credit per valid message and queues it, in request order, for as \
            many as the balance covers. Invalid messages and those beyond the balance are rejected one by one.""")
    @APIResponse(responseCode = "202", description = "At least one message accepted; `results` has one outcome per input message")
    @APIResponse(responseCode = "400", description = "Missing/invalid headers, malformed JSON, no messages or too many (problem+json)")
    @APIResponse(responseCode = "402", description = "Nothing accepted for lack of credit; `results` tells each message's fate (problem+json)")
    @APIResponse(responseCode = "422", description = "Every message was invalid, or the Idempotency-Key was used for another request (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public Uni<Response> send(
            @Parameter(description = "normal (default) or express, case-insensitive") @HeaderParam(TYPE_HEADER) String typeHeader,
            @Parameter(description = "Optional, 1 to 128 of A-Z a-z 0-9 . _ : - ; a retry with the same key and body within 24 h "
                    + "is charged nothing and gets the first answer") @HeaderParam(IDEMPOTENCY_HEADER) String idempotencyKey,
            BulkSendRequest body) {
        String clientId = callers.clientId();
        MessageType type = typeHeader == null
                ? MessageType.NORMAL
                : MessageType.parse(typeHeader).orElseThrow(() -> ApiException.badRequest("invalid-sms-type",
                        "The " + TYPE_HEADER + " header must be 'normal' or 'express'."));
        if (body == null || body.messages() == null || body.messages().isEmpty()) {
            throw ApiException.badRequest("no-messages",
                    "Send a JSON body with a non-empty 'messages' array of {to, from, content}.");
        }
        if (body.messages().size() > config.maxMessagesPerRequest()) {
            throw ApiException.badRequest("too-many-messages", "A request may carry at most "
                    + config.maxMessagesPerRequest() + " messages; this one has " + body.messages().size() + ".");
        }
        long validityMillis = validity(type, body.validitySeconds()) * 1000;
        SendService.IdempotentRequest idempotent = null;
        if (idempotencyKey != null) {
            if (!IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
                throw ApiException.badRequest("invalid-idempotency-key",
                        "The Idempotency-Key header must be 1 to 128 of the characters A-Z a-z 0-9 . _ : -");
            }
            idempotent = new SendService.IdempotentRequest(idempotencyKey, requestHash(type, validityMillis, body));
        }
        return sender.send(clientId, type, body.messages(), validityMillis, idempotent, config.idempotencyTtl()).map(outcome -> {
            if (outcome.accepted() > 0) {
                Response.ResponseBuilder answer = Response.accepted(new SendResponse(type.wireName(), outcome.accepted(),
                        outcome.rejected(), outcome.balance(), Instant.ofEpochMilli(outcome.queuedAtMillis()),
                        outcome.results()));
                if (outcome.replayed()) {
                    answer.header("Idempotent-Replayed", "true");
                }
                return answer.build();
            }
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("accepted", 0);
            details.put("rejected", outcome.rejected());
            if (outcome.balance() != null) {
                details.put("balance", outcome.balance());
            }
            details.put("results", outcome.results());
            if (outcome.rejectedForCredit() > 0) {
                throw new ApiException(402, "insufficient-credit",
                        "The balance does not cover any of these messages; nothing was charged.", details);
            }
            throw new ApiException(422, "no-valid-messages",
                    "None of the messages is valid; nothing was charged. See 'results' for each reason.", details);
        });
    }

    @GET
    @Path("/sent-log")
    @Operation(summary = "Message log", description = """
            The caller's messages, newest first, with optional filters. Dates are ISO dates (UTC days) or date-times; \
            a date as to_date includes that whole day.""")
    @APIResponse(responseCode = "200", description = "One page of messages")
    @APIResponse(responseCode = "400", description = "Missing/invalid X-Client-ID (header mode) or an invalid parameter (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public SentLogPage sentLog(
            @Parameter(description = "queued, sent or failed") @QueryParam("status") String status,
            @Parameter(description = "normal or express") @QueryParam("type") String type,
            @Parameter(description = "Earliest queued time: 2026-11-25 or 2026-11-25T10:00:00Z") @QueryParam("from_date") String fromDate,
            @Parameter(description = "Latest queued time: 2026-11-25 (whole day) or 2026-11-25T18:00:00Z") @QueryParam("to_date") String toDate,
            @Parameter(description = "Page number, from 1 (default 1)") @QueryParam("page") String page,
            @Parameter(description = "Page size, 1 to 100 (default 20)") @QueryParam("page_size") String pageSize) {
        String clientId = callers.clientId();
        MessageStatus statusFilter = status == null ? null : MessageStatus.parse(status).orElseThrow(
                () -> ApiException.badRequest("invalid-parameter", "'status' must be one of queued, sent, failed."));
        MessageType typeFilter = type == null ? null : MessageType.parse(type).orElseThrow(
                () -> ApiException.badRequest("invalid-parameter", "'type' must be normal or express."));
        Instant from = fromDate == null ? null : bound("from_date", fromDate, false);
        Instant until = toDate == null ? null : bound("to_date", toDate, true);
        if (from != null && until != null && !from.isBefore(until)) {
            throw ApiException.badRequest("invalid-parameter", "'from_date' must be before 'to_date'.");
        }
        int pageNumber = number("page", page, 1, 1, MAX_PAGE);
        int size = number("page_size", pageSize, 20, 1, MAX_PAGE_SIZE);
        SentLog.Page result = sentLog.find(clientId, new SentLog.Filter(statusFilter, typeFilter, from, until, pageNumber, size));
        long totalPages = (result.total() + size - 1) / size;
        List<MessageView> views = result.messages();
        return new SentLogPage(pageNumber, size, result.total(), totalPages, views);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One message", description = "One of the caller's own messages, once a worker has processed it.")
    @APIResponse(responseCode = "200", description = "The message")
    @APIResponse(responseCode = "400", description = "Missing/invalid X-Client-ID (header mode) or an id that is not a UUID (problem+json)")
    @APIResponse(responseCode = "404", description = "No such message for this client (problem+json)")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public MessageView one(@PathParam("id") String id) {
        String clientId = callers.clientId();
        UUID messageId;
        try {
            if (id.length() != 36) {
                throw new IllegalArgumentException();
            }
            messageId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("invalid-id", "A message id is a UUID such as 0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b.");
        }
        return sentLog.findOne(clientId, messageId)
                .map(MessageView::of)
                .orElseThrow(() -> new ApiException(404, "message-not-found", "No message with this id for this client."));
    }

    /** Seconds of validity: express messages always have one (default and maximum configured), normal only on request. */
    private long validity(MessageType type, Integer requested) {
        long expressMax = config.expressValidity().toSeconds();
        if (requested == null) {
            return type == MessageType.EXPRESS ? expressMax : 0;
        }
        long max = type == MessageType.EXPRESS ? expressMax : MAX_NORMAL_VALIDITY_SECONDS;
        if (requested < 1 || requested > max) {
            throw ApiException.badRequest("invalid-validity",
                    "'validity_seconds' must be from 1 to " + max + " for " + type.wireName() + " messages.");
        }
        return requested;
    }

    /** What makes two requests "the same" for an Idempotency-Key: type, validity and the messages, as parsed. */
    private String requestHash(MessageType type, long validityMillis, BulkSendRequest body) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((type.wireName() + '|' + validityMillis + '|').getBytes(StandardCharsets.UTF_8));
            digest.update(json.writeValueAsBytes(body.messages()));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
            throw ApiException.badRequest("invalid-parameter", "'" + name + "' must be a whole number from " + min + " to " + max + ".");
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
        throw ApiException.badRequest("invalid-parameter",
                "'" + name + "' must be an ISO date (2026-11-25) or date-time (2026-11-25T10:00:00Z).");
    }
}
