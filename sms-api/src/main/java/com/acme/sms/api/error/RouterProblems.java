package com.acme.sms.api.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refusals that happen in the HTTP layer before a resource (and so before {@link ProblemMappers}) is reached: a body
 * above {@code quarkus.http.limits.max-body-size} is refused by Quarkus' body handler with an empty 413. A request
 * that declares its size (Content-Length) is checked here first, ahead of that handler, and gets the same
 * problem+json as every other error. A chunked body that grows past the limit is still cut off by the body handler
 * with an empty 413, and refusals inside the HTTP codec itself (414 request line, 431 headers, malformed framing)
 * never reach the router; docs/security.md lists them.
 */
@ApplicationScoped
public class RouterProblems {

    private final ObjectMapper json;
    private final long maxBodyBytes;

    public RouterProblems(ObjectMapper json,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K") MemorySize maxBody) {
        this.json = json;
        this.maxBodyBytes = maxBody.asLongValue();
    }

    void register(@Observes Router router) {
        // Before every other route, so before the body handler that would answer with an empty 413.
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String declared = ctx.request().getHeader("Content-Length");
            if (declared != null && declared.length() <= 19 && declared.chars().allMatch(c -> c >= '0' && c <= '9')
                    && Long.parseLong(declared) > maxBodyBytes) {
                answer(ctx, ProblemCode.BODY_TOO_LARGE, "The request body is too large: at most " + maxBodyBytes
                        + " bytes.");
                return;
            }
            ctx.next();
        });
    }

    private void answer(RoutingContext ctx, ProblemCode code, String detail) {
        if (ctx.response().headWritten()) {
            return;
        }
        String body;
        try {
            body = json.writeValueAsString(
                    new Problem(code.status(), code.code(), detail, ctx.request().path(), Map.of()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // The rest of an oversized body is not read: answer, then close the connection, as Vert.x does for its own
        // 413, so the client is not left sending megabytes nobody reads.
        ctx.response().setStatusCode(code.status()).putHeader("Content-Type", Problem.MEDIA_TYPE)
                .putHeader("Connection", "close").end(body)
                .onComplete(done -> ctx.request().connection().close());
    }
}
