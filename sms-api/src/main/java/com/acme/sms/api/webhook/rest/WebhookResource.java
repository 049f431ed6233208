package com.acme.sms.api.webhook.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.api.security.Caller;
import com.acme.sms.api.security.Callers;
import com.acme.sms.api.webhook.WebhookService;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The caller's status webhook: where the workers POST every status change of its messages (sent, delivered,
 * undelivered, failed), signed, at least once; and the events they gave up on, to read and re-trigger.
 */
@Path("/api/webhook")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Webhook")
@SecurityRequirement(name = Caller.BEARER_SCHEME)
@APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
@APIResponse(responseCode = "403", description = "Jwt mode: X-Client-ID names another client than the token (problem+json)")
@APIResponse(responseCode = "429",
        description = "The caller's requests-per-second limit is reached; see Retry-After (problem+json)")
@APIResponse(responseCode = "503", description = "PostgreSQL did not answer; see the detail (problem+json, Retry-After)")
public class WebhookResource {

    static final int DEFAULT_LIMIT = 100;

    private final WebhookService webhooks;
    private final Callers callers;

    public WebhookResource(WebhookService webhooks, Callers callers) {
        this.webhooks = webhooks;
        this.callers = callers;
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set the status webhook", description = """
            From now on every status change of the caller's messages is POSTed to url as {"events": [...]}, signed \
            with secret (X-SMS-Signature: v1=<hex HMAC-SHA256 of "<X-SMS-Timestamp>.<body>">). Replaces the URL and \
            secret set before.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "201", description = "The webhook is set")
    @APIResponse(responseCode = "200", description = "The webhook replaced the one set before")
    @APIResponse(responseCode = "400", description = """
            webhook-url-not-allowed (not https, or its host resolves to a loopback, private, link-local or other \
            non-public address), invalid-webhook-secret, or a malformed body (problem+json)""")
    public Response set(WebhookRequest request) {
        String clientId = callers.clientId();
        if (request == null) {
            throw new ProblemException(ProblemCode.MISSING_BODY, "A body {\"url\": ..., \"secret\": ...} is required.");
        }
        boolean created = webhooks.set(clientId, request.url(), request.secret());
        WebhookService.Webhook stored = webhooks.find(clientId)
                .orElseThrow(() -> new ProblemException(ProblemCode.WEBHOOK_NOT_FOUND,
                        "The webhook was removed by another request just after this one set it."));
        return Response.status(created ? Response.Status.CREATED : Response.Status.OK).entity(WebhookView.of(stored))
                .build();
    }

    @GET
    @Operation(summary = "Read the status webhook", description = "The URL and whether a secret is set (never the secret).")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "200", description = "The webhook")
    @APIResponse(responseCode = "404", description = "No webhook is set (problem+json)")
    public WebhookView get() {
        String clientId = callers.clientId();
        return webhooks.find(clientId).map(WebhookView::of)
                .orElseThrow(() -> new ProblemException(ProblemCode.WEBHOOK_NOT_FOUND, "No webhook is set."));
    }

    @DELETE
    @Operation(summary = "Remove the status webhook", description = """
            No more events are written, and those not yet delivered (failures included) are dropped.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "204", description = "The webhook is removed")
    @APIResponse(responseCode = "404", description = "No webhook was set (problem+json)")
    public Response remove() {
        String clientId = callers.clientId();
        if (!webhooks.remove(clientId)) {
            throw new ProblemException(ProblemCode.WEBHOOK_NOT_FOUND, "No webhook is set.");
        }
        return Response.noContent().build();
    }

    @GET
    @Path("/failures")
    @Operation(summary = "List the events given up", description = """
            Events not delivered within 24 hours of tries, oldest first, a page at a time: pass the answer's \
            next_cursor as cursor for the next page.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "200", description = "One page of failures")
    @APIResponse(responseCode = "400", description = "A bad limit or cursor (problem+json)")
    public WebhookFailurePage failures(
            @Parameter(description = "1 to 1000 (default 100)") @QueryParam("limit") String limit,
            @Parameter(description = "next_cursor of the previous page") @QueryParam("cursor") String cursor) {
        String clientId = callers.clientId();
        int size = limit(limit);
        List<WebhookService.Failure> page = webhooks.failures(clientId, position(cursor), size + 1);
        boolean more = page.size() > size;
        List<WebhookService.Failure> shown = more ? page.subList(0, size) : page;
        String next = more ? cursor(shown.get(shown.size() - 1)) : null;
        return new WebhookFailurePage(shown.stream().map(WebhookFailureView::of).toList(), next);
    }

    @POST
    @Path("/failures/{id}/retry")
    @Operation(summary = "Re-trigger a failed event", description = """
            The event is delivered again as soon as possible, with a new 24 hours of tries.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "202", description = "The event waits for delivery again")
    @APIResponse(responseCode = "400", description = "The id is not a UUID (problem+json)")
    @APIResponse(responseCode = "404", description = "The caller has no failed event with this id (problem+json)")
    public Response retry(@PathParam("id") String id) {
        String clientId = callers.clientId();
        UUID eventId = uuid(id);
        if (!webhooks.retry(clientId, eventId)) {
            throw new ProblemException(ProblemCode.WEBHOOK_FAILURE_NOT_FOUND, "No failed event " + id + ".");
        }
        return Response.accepted(Map.of("id", eventId.toString(), "status", "retrying")).build();
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        long n = Ascii.number(limit, 4).orElse(0);
        if (n < 1 || n > WebhookService.MAX_PAGE) {
            throw new ProblemException(ProblemCode.INVALID_PARAMETER, "limit must be 1 to " + WebhookService.MAX_PAGE + ".");
        }
        return (int) n;
    }

    private static UUID uuid(String id) {
        return Ascii.uuid(id).orElseThrow(() -> new ProblemException(ProblemCode.INVALID_ID, "The id is not a UUID."));
    }

    /** A position, not a secret: it only says where the caller's own list goes on. */
    private static String cursor(WebhookService.Failure last) {
        Instant t = last.occurredAt();
        String raw = t.getEpochSecond() + "." + t.getNano() + "." + last.eventId();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
    }

    private static WebhookService.Position position(String cursor) {
        if (cursor == null) {
            return null;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII).split("\\.");
            if (parts.length == 3 && parts[2].length() == 36) {
                return new WebhookService.Position(Instant.ofEpochSecond(Long.parseLong(parts[0]), Long.parseLong(parts[1])),
                        UUID.fromString(parts[2]));
            }
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            // answered below
        }
        throw new ProblemException(ProblemCode.INVALID_CURSOR, "The cursor is not one this list gave.");
    }
}
