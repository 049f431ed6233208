package com.acme.sms.api.dashboard.rest;

import com.acme.sms.api.admin.rest.AdminResource;
import com.acme.sms.api.dashboard.LiveFigures;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.security.AdminGuard;
import com.acme.sms.api.security.AdminOnly;
import com.acme.sms.api.security.BasicLogin;
import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueuePause;
import io.quarkus.logging.Log;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The operations dashboard at {@code /dashboard}: its page and assets, the live state it polls, and the operator's
 * actions (dead letters, pausing a queue). Admin only, like {@code /api/admin}, and opened by a browser's Basic login
 * ({@link BasicLogin}). The page is served from the classpath folder {@code dashboard/} and not as a public static
 * resource, so not even the page's code is shown to someone without the credentials.
 */
@Path("/dashboard")
@Tag(name = "Dashboard")
@AdminOnly
@BasicLogin
public class DashboardResource {

    /** A header a cross-site form cannot send: with it, an action is the page's own, not a forged request. */
    static final String ACTION_HEADER = "X-Dashboard-Action";
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.30/dist/";
    private static final Map<String, String[]> ASSETS = Map.of(
            "dashboard.js", new String[] {"dashboard/dashboard.js", "text/javascript; charset=utf-8"},
            "dashboard.css", new String[] {"dashboard/dashboard.css", "text/css; charset=utf-8"},
            "uPlot.iife.min.js", new String[] {UPLOT + "uPlot.iife.min.js", "text/javascript; charset=utf-8"},
            "uPlot.min.css", new String[] {UPLOT + "uPlot.min.css", "text/css; charset=utf-8"});

    private final LiveFigures figures;
    private final QueuePause pause;
    private final AdminResource admin;
    private final AdminGuard guard;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    public DashboardResource(LiveFigures figures, QueuePause pause, AdminResource admin, AdminGuard guard) {
        this.figures = figures;
        this.pause = pause;
        this.admin = admin;
        this.guard = guard;
    }

    /** {@code /dashboard} and {@code /dashboard/} alike (the framework treats a trailing slash as the same path). */
    @GET
    @Operation(summary = "The dashboard page", hidden = true)
    public Response page() {
        return file("dashboard/index.html", "text/html; charset=utf-8");
    }

    @GET
    @Path("/assets/{name}")
    @Operation(hidden = true)
    public Response asset(@PathParam("name") String name) {
        String[] asset = ASSETS.get(name);
        if (asset == null) {
            throw new ProblemException(ProblemCode.NOT_FOUND, "No dashboard asset " + name + ".");
        }
        return file(asset[0], asset[1]);
    }

    @GET
    @Path("/api/state")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "What the whole system is doing now", description = """
            Queues (depth, waiting, in flight, age of the oldest waiting message, scheduled retries, dead letters, \
            paused), the last 15 minutes per second by type (accepted, sent, delivered, undelivered, failed, \
            refunded), express latency against the SLA, worker processes and consumers, the top clients of the \
            last hour and the total live credit. Read from Redis; the same on every API instance.""")
    public Map<String, Object> state() {
        guard.require(null);
        return figures.state();
    }

    @GET
    @Path("/api/dead-letters")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Dead letters (as GET /api/admin/dead-letters)")
    public AdminResource.DeadLetterList deadLetters(@QueryParam("type") String type, @QueryParam("count") String count) {
        return admin.listDeadLetters(null, type, count);
    }

    @POST
    @Path("/api/dead-letters/{type}/{entryId}/requeue")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Send a dead letter again (as the admin endpoint)")
    public Response requeue(@HeaderParam(ACTION_HEADER) String action, @PathParam("type") String type,
            @PathParam("entryId") String entryId) {
        requireAction(action);
        return admin.requeue(null, type, entryId);
    }

    @DELETE
    @Path("/api/dead-letters/{type}/{entryId}")
    @Operation(summary = "Discard a dead letter (as the admin endpoint)")
    public Response discard(@HeaderParam(ACTION_HEADER) String action, @PathParam("type") String type,
            @PathParam("entryId") String entryId) {
        requireAction(action);
        return admin.discard(null, type, entryId);
    }

    @POST
    @Path("/api/queues/{type}/pause")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Pause consumption of a queue", description = """
            Every worker of the queue stops reading new entries within a second; batches in progress finish. \
            Acceptance goes on, so the queue grows and its messages wait: for express, past its SLA.""")
    public Map<String, Object> pause(@HeaderParam(ACTION_HEADER) String action, @PathParam("type") String type) {
        return setPaused(action, type, true);
    }

    @POST
    @Path("/api/queues/{type}/resume")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Resume consumption of a queue")
    public Map<String, Object> resume(@HeaderParam(ACTION_HEADER) String action, @PathParam("type") String type) {
        return setPaused(action, type, false);
    }

    private Map<String, Object> setPaused(String action, String type, boolean paused) {
        requireAction(action);
        String by = guard.require(null);
        MessageType t = MessageType.parse(type).orElseThrow(() -> new ProblemException(ProblemCode.INVALID_SMS_TYPE,
                "The queue must be 'normal' or 'express'."));
        pause.set(t, paused, by).await().atMost(Duration.ofSeconds(5));
        Log.infof("Audit: %s %s consumption of %s", by, paused ? "paused" : "resumed", t.wireName());
        return Map.of("type", t.wireName(), "paused", paused);
    }

    private void requireAction(String action) {
        guard.require(null);
        if (!"1".equals(action)) {
            throw new ProblemException(ProblemCode.INVALID_HEADER, "A dashboard action needs the header "
                    + ACTION_HEADER + ": 1 (a form on another site cannot send it, so no page can act for you).");
        }
    }

    private Response file(String path, String type) {
        byte[] body = files.computeIfAbsent(path, p -> {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(p)) {
                if (in == null) {
                    throw new IllegalStateException("Dashboard file missing from the build: " + p);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        // no-store: the page is behind a login, and a shared cache must not keep it.
        return Response.ok(body, type).header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                        + "script-src 'self'; connect-src 'self'; frame-ancestors 'none'")
                .header("X-Content-Type-Options", "nosniff").build();
    }
}
