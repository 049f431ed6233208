package com.acme.sms.api.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.quarkus.logging.Log;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error the API answers is mapped here, to {@link Problem}; a client never sees a stack trace. */
public class ProblemMappers {

    private final ObjectMapper json;

    public ProblemMappers(ObjectMapper json) {
        this.json = json;
    }

    @ServerExceptionMapper
    public Response api(ApiException e, HttpServerRequest request) {
        Response r = problem(e.status(), e.code(), e.getMessage(), request, e.extensions());
        if (e.headers().isEmpty()) {
            return r;
        }
        Response.ResponseBuilder withHeaders = Response.fromResponse(r);
        e.headers().forEach(withHeaders::header);
        return withHeaders.build();
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
        return problem(400, "malformed-json", detail, request, Map.of());
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
        return problem(400, "invalid-request", detail, request, Map.of());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        if (e.getCause() instanceof JsonProcessingException unreadable) {
            return unreadableJson(unreadable, request);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            Log.error("Request failed", e);
            return problem(status, "internal-error", "The server could not answer this request.", request, Map.of());
        }
        String code = switch (status) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 406 -> "not-acceptable";
            case 413 -> "body-too-large";
            case 415 -> "unsupported-media-type";
            default -> "bad-request";
        };
        String detail = switch (status) {
            case 404 -> "No such resource.";
            case 405 -> "This method is not allowed on this resource.";
            case 415 -> "Send the body as application/json.";
            case 413 -> "The request body is too large.";
            default -> e.getMessage();
        };
        return problem(status, code, detail, request, Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, HttpServerRequest request) {
        if (e instanceof ApiException api) {
            return api(api, request);
        }
        if (isDataStoreOutage(e)) {
            Log.warnf("A data store is unavailable: %s", e.getMessage());
            Response r = problem(503, "service-unavailable",
                    "A data store is temporarily unavailable; nothing was changed. Try again shortly.", request, Map.of());
            return Response.fromResponse(r).header("Retry-After", "5").build();
        }
        Log.error("Unexpected failure", e);
        return problem(500, "internal-error", "The server could not answer this request.", request, Map.of());
    }

    /** PostgreSQL unreachable (SQL state class 08, connection exception) or a Redis connection failure. */
    private static boolean isDataStoreOutage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return true;
            }
            if (t instanceof java.net.ConnectException || t instanceof io.vertx.core.impl.NoStackTraceThrowable
                    && String.valueOf(t.getMessage()).contains("Connection")) {
                return true;
            }
        }
        return false;
    }

    private Response problem(
            int status, String code, String detail, HttpServerRequest request, Map<String, Object> extensions) {
        Problem body = new Problem(status, code, detail, request == null ? null : request.path(), extensions);
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
