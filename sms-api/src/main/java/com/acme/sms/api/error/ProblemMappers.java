package com.acme.sms.api.error;

import com.acme.sms.api.credit.BalanceLimitException;
import com.acme.sms.api.credit.CreditPendingException;
import com.acme.sms.api.credit.CreditUnavailableException;
import com.acme.sms.api.credit.RebuildInProgressException;
import com.acme.sms.api.credit.RebuildRefusedException;
import com.acme.sms.api.message.IdempotencyKeyReusedException;
import com.acme.sms.api.message.InvalidIdempotencyKeyException;
import com.acme.sms.api.message.InvalidValidityException;
import com.acme.sms.api.ratelimit.RateLimitedException;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.api.store.StoreUnavailableException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error the API answers is mapped here, to {@link Problem}; a client never sees a stack trace. The services'
 * domain exceptions get their {@link ProblemCode} in {@link #translate}; the HTTP edge throws
 * {@link ProblemException}, which already names one.
 */
public class ProblemMappers {

    private final ObjectMapper json;

    public ProblemMappers(ObjectMapper json) {
        this.json = json;
    }

    @ServerExceptionMapper
    public Response problemException(ProblemException e, HttpServerRequest request) {
        Response r = problem(e.problemCode(), e.getMessage(), request, e.extensions());
        if (e.headers().isEmpty()) {
            return r;
        }
        Response.ResponseBuilder withHeaders = Response.fromResponse(r);
        e.headers().forEach(withHeaders::header);
        return withHeaders.build();
    }

    @ServerExceptionMapper({RateLimitedException.class, BalanceLimitException.class, CreditUnavailableException.class,
        InvalidValidityException.class, InvalidIdempotencyKeyException.class, IdempotencyKeyReusedException.class,
        StoreUnavailableException.class, CreditPendingException.class, RebuildInProgressException.class,
        RebuildRefusedException.class})
    public Response domain(RuntimeException e, HttpServerRequest request) {
        return problemException(translate(e), request);
    }

    /** The problem a domain exception means for a client; null for any other exception. */
    static ProblemException translate(Throwable e) {
        if (e instanceof RateLimitedException limited) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("limit", limited.limit());
            details.put("retry_after_seconds", limited.retryAfterSeconds());
            return new ProblemException(ProblemCode.RATE_LIMITED, e.getMessage(), details,
                    Map.of("Retry-After", Long.toString(limited.retryAfterSeconds())));
        }
        if (e instanceof StoreUnavailableException unavailable) {
            Log.warnf("A data store is unavailable (%s): %s", unavailable.store(), e.getMessage());
            return unavailable(e.getMessage());
        }
        if (e instanceof CreditPendingException) {
            return new ProblemException(ProblemCode.CREDIT_PENDING, e.getMessage(), Map.of(),
                    Map.of("Retry-After", Long.toString(CreditPendingException.RETRY_AFTER_SECONDS)));
        }
        if (e instanceof RebuildInProgressException) {
            return new ProblemException(ProblemCode.REBUILD_IN_PROGRESS, e.getMessage(), Map.of(),
                    Map.of("Retry-After", Long.toString(RebuildInProgressException.RETRY_AFTER_SECONDS)));
        }
        ProblemCode code = e instanceof BalanceLimitException ? ProblemCode.BALANCE_LIMIT
                : e instanceof CreditUnavailableException ? ProblemCode.REDIS_UNAVAILABLE
                        : e instanceof InvalidValidityException ? ProblemCode.INVALID_VALIDITY
                                : e instanceof InvalidIdempotencyKeyException ? ProblemCode.INVALID_IDEMPOTENCY_KEY
                                        : e instanceof IdempotencyKeyReusedException ? ProblemCode.IDEMPOTENCY_KEY_REUSED
                                                : e instanceof RebuildRefusedException ? ProblemCode.REBUILD_REFUSED
                                                        : null;
        return code == null ? null : new ProblemException(code, e.getMessage());
    }

    @ServerExceptionMapper
    public Response unreadableJson(JsonProcessingException e, HttpServerRequest request) {
        // Jackson's own messages name our Java types; say instead where in the body the problem is.
        String detail;
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            detail = "The field '" + path(mapping) + "' has a value of the wrong type or range.";
        } else if (e.getLocation() != null) {
            detail = "The request body is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ").";
        } else {
            detail = "The request body is not valid JSON.";
        }
        return problem(ProblemCode.MALFORMED_JSON, detail, request, Map.of());
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** Quarkus ships a mapper for this type that answers an empty 400; this one keeps the problem shape. */
    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e, HttpServerRequest request) {
        return unreadableJson(e, request);
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e, HttpServerRequest request) {
        String detail = e.getConstraintViolations().stream()
                .map(v -> v.getPropertyPath() + ": " + v.getMessage())
                .sorted()
                .reduce((a, b) -> a + "; " + b)
                .orElse("invalid request");
        return problem(ProblemCode.INVALID_REQUEST, detail, request, Map.of());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadableJson(unreadable, request);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            Log.error("Request failed", e);
            return problem(status, ProblemCode.INTERNAL_ERROR, "The server could not answer this request.", request,
                    Map.of());
        }
        ProblemCode code = switch (status) {
            case 404 -> ProblemCode.NOT_FOUND;
            case 405 -> ProblemCode.METHOD_NOT_ALLOWED;
            case 406 -> ProblemCode.NOT_ACCEPTABLE;
            case 413 -> ProblemCode.BODY_TOO_LARGE;
            case 415 -> ProblemCode.UNSUPPORTED_MEDIA_TYPE;
            default -> ProblemCode.BAD_REQUEST;
        };
        String detail = switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "This method is not allowed on this resource.";
            case 415 -> "Send the body as application/json.";
            case 413 -> "The request body is too large.";
            default -> e.getMessage();
        };
        // The framework's own status is kept even where the catalogue's code has another (a 4xx it answers
        // that the catalogue does not list is a bad-request with that status).
        return problem(status, code, detail, request, Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpServerRequest request) {
        if (e instanceof ProblemException problem) {
            return problemException(problem, request);
        }
        ProblemException domain = translate(e);
        if (domain != null) {
            return problemException(domain, request);
        }
        if (isBlockingRedisTimeout(e)) {
            // Not "nothing was changed": the command may still be queued on its connection and run late. Every
            // blocking call of a request is a read or an admin action that is harmless to repeat (a discard repeated
            // answers 404).
            Log.warnf("Redis did not answer a blocking call in time: %s", e);
            return problemException(unavailable("Redis did not answer in time. Try again shortly."), request);
        }
        if (isDataStoreOutage(e)) {
            Log.warnf("A data store is unavailable: %s", e.getMessage());
            return problemException(
                    unavailable("A data store is temporarily unavailable; nothing was changed. Try again shortly."),
                    request);
        }
        Log.error("Unexpected failure", e);
        return problem(ProblemCode.INTERNAL_ERROR, "The server could not answer this request.", request, Map.of());
    }

    private static ProblemException unavailable(String detail) {
        return new ProblemException(ProblemCode.SERVICE_UNAVAILABLE, detail, Map.of(),
                Map.of("Retry-After", Long.toString(StoreBounds.RETRY_AFTER_SECONDS)));
    }

    /**
     * A blocking Redis call given up after {@code quarkus.redis.timeout} (which the API sets to
     * {@code sms.api.store-timeout}): the admin's dead-letter calls, a scheduled message's lookup. The only blocking
     * waits with a timeout on a request's path are on Redis.
     */
    static boolean isBlockingRedisTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A store that cannot serve now, as opposed to a defect: PostgreSQL unreachable, out of connections or too slow
     * ({@link StoreBounds#isUnavailable}); Redis unreachable, still loading its data after a restart ({@code LOADING}),
     * busy with a long script ({@code BUSY}), gone while commands were in flight ({@code CONNECTION_CLOSED}), at
     * maxmemory ({@code OOM}: a script without allow-oom, such as acceptance, is refused whole before any write, so
     * nothing was charged), or this API's queue of commands waiting for it full. (A blocking call's timeout is
     * {@link #isBlockingRedisTimeout}, answered before with its own detail.)
     */
    static boolean isDataStoreOutage(Throwable e) {
        if (StoreBounds.isUnavailable(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            // A refused connection, or one a store reset under a command (Redis or PostgreSQL killed).
            if (t instanceof java.net.ConnectException
                    || t instanceof java.net.SocketException && message.contains("Connection reset")
                    || t instanceof io.vertx.core.impl.NoStackTraceThrowable
                            && message.contains("Connection")) {
                return true;
            }
            if (t instanceof io.vertx.redis.client.impl.types.ErrorType
                    && (message.startsWith("LOADING") || message.startsWith("BUSY") || message.startsWith("OOM ")
                    // The client fails the commands in flight this way when Redis dies under them.
                            || message.startsWith("CONNECTION_CLOSED"))) {
                return true;
            }
            if (message.contains("Redis waiting queue is full") || message.contains("reached max wait queue size")) {
                return true;
            }
        }
        return false;
    }

    private Response problem(ProblemCode code, String detail, HttpServerRequest request, Map<String, Object> extensions) {
        return problem(code.status(), code, detail, request, extensions);
    }

    private Response problem(
            int status, ProblemCode code, String detail, HttpServerRequest request, Map<String, Object> extensions) {
        Problem body = new Problem(status, code.code(), detail, request == null ? null : request.path(), extensions);
        try {
            // Serialized here so the media type can be application/problem+json whatever the client asked for.
            return Response.status(status)
                    .type(Problem.MEDIA_TYPE)
                    .entity(json.writeValueAsString(body))
                    .build();
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
