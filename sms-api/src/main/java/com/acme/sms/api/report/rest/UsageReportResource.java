package com.acme.sms.api.report.rest;

import com.acme.sms.api.ratelimit.ReadsInFlight;
import com.acme.sms.api.report.UsageReport;
import com.acme.sms.api.security.Caller;
import com.acme.sms.api.security.Callers;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/reports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Reports")
@SecurityRequirement(name = Caller.BEARER_SCHEME)
@APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
@APIResponse(responseCode = "403", description = "Jwt mode: X-Client-ID names another client than the token (problem+json)")
@APIResponse(responseCode = "429", description = "A per-client rate limit is reached; see Retry-After (problem+json)")
public class UsageReportResource {

    private final UsageReport report;
    private final Callers callers;
    private final ReadsInFlight readsInFlight;

    public UsageReportResource(UsageReport report, Callers callers, ReadsInFlight readsInFlight) {
        this.report = report;
        this.callers = callers;
        this.readsInFlight = readsInFlight;
    }

    @GET
    @Path("/usage")
    @Operation(summary = "Usage per day", description = """
            The caller's messages and credits per UTC day and type: accepted, sent, delivered, undelivered, failed, \
            credits charged and refunded, exact, with their totals. Days without messages are left out.""")
    @APIResponse(responseCode = "200", description = "The days of the range that have messages, and the totals")
    @APIResponse(responseCode = "400", description = """
            Missing/invalid X-Client-ID (header mode), a date that is not an ISO date, from_date after to_date, more \
            than 366 days, or an unknown type (problem+json)""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    public UsageReportView usage(
            @Parameter(
                    description = "First day, ISO date (default: 29 days before to_date)") @QueryParam("from_date") String fromDate,
            @Parameter(description = "Last day, ISO date, included (default: today, UTC)") @QueryParam("to_date") String toDate,
            @Parameter(description = "normal or express (default: both)") @QueryParam("type") String type,
            @Context RoutingContext routing) {
        String clientId = callers.clientId();
        UsageReportQuery.Range range = new UsageReportQuery(fromDate, toDate, type).range(LocalDate.now(ZoneOffset.UTC));
        // A read like the sent-log's, counted with them: held until the answer is written or the connection closed.
        ReadsInFlight.Permit permit = readsInFlight.acquire(clientId);
        try {
            routing.addEndHandler(ended -> permit.close());
            return UsageReportView.of(range, report.find(clientId, range.from(), range.to(), range.type()));
        } catch (RuntimeException | Error e) {
            permit.close();
            throw e;
        }
    }
}
