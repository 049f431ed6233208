package com.acme.sms.api.optout.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.MessageRules;
import com.acme.sms.api.optout.OptOutService;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.api.security.Caller;
import com.acme.sms.api.security.Callers;
import com.acme.sms.optout.OptOuts;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A client's opt-outs: numbers its messages are refused for ({@code opted_out}, not charged) at acceptance. Each
 * client has its own list; a number texting STOP to one of the client's senders lands on it too (source inbound).
 */
@Path("/api/opt-outs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Opt-outs")
@SecurityRequirement(name = Caller.BEARER_SCHEME)
@APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
@APIResponse(responseCode = "403", description = "Jwt mode: X-Client-ID names another client than the token (problem+json)")
@APIResponse(responseCode = "429",
        description = "The caller's requests-per-second limit is reached; see Retry-After (problem+json)")
@APIResponse(responseCode = "503",
        description = "PostgreSQL or Redis did not answer; see the detail (problem+json, Retry-After)")
public class OptOutResource {

    static final int DEFAULT_LIMIT = 100;
    private static final Pattern CURSOR = Pattern.compile("\\+[0-9]{1,15}");

    private final OptOutService optOuts;
    private final Callers callers;

    public OptOutResource(OptOutService optOuts, Callers callers) {
        this.optOuts = optOuts;
        this.callers = callers;
    }

    @PUT
    @Path("/{number}")
    @Operation(summary = "Opt a number out", description = """
            From now on, messages to this number are rejected at acceptance (reason opted_out) and not charged. \
            Repeating it changes nothing and answers the first record.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "201", description = "The number is opted out")
    @APIResponse(responseCode = "200", description = "The number was opted out already; nothing changed")
    @APIResponse(responseCode = "400", description = "Not an E.164 number some numbering plan can hold (problem+json)")
    public Response add(@Parameter(
            description = "E.164, such as +4917012345 (write + as is or as %2B)") @PathParam("number") String number) {
        String clientId = callers.clientId();
        requireNumber(number);
        boolean added = optOuts.add(clientId, number);
        OptOuts.OptOut stored = optOuts.find(clientId, number);
        if (stored == null) {
            // Removed by a concurrent DELETE between the two calls: what this request did is still true.
            throw new ProblemException(ProblemCode.OPT_OUT_NOT_FOUND, "The opt-out of " + number
                    + " was removed by another request just after this one added it.");
        }
        return Response.status(added ? Response.Status.CREATED : Response.Status.OK).entity(OptOutView.of(stored))
                .build();
    }

    @DELETE
    @Path("/{number}")
    @Operation(summary = "Opt a number back in", description = "Messages to this number are accepted again.")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "204", description = "The opt-out is removed")
    @APIResponse(responseCode = "400", description = "Not an E.164 number some numbering plan can hold (problem+json)")
    @APIResponse(responseCode = "404", description = "The number was not opted out (problem+json)")
    public Response remove(@PathParam("number") String number) {
        String clientId = callers.clientId();
        requireNumber(number);
        if (!optOuts.remove(clientId, number)) {
            throw new ProblemException(ProblemCode.OPT_OUT_NOT_FOUND, number + " is not opted out.");
        }
        return Response.noContent().build();
    }

    @GET
    @Path("/{number}")
    @Operation(summary = "Read one opt-out")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "200", description = "The number is opted out")
    @APIResponse(responseCode = "400", description = "Not an E.164 number some numbering plan can hold (problem+json)")
    @APIResponse(responseCode = "404", description = "The number is not opted out (problem+json)")
    public OptOutView one(@PathParam("number") String number) {
        String clientId = callers.clientId();
        requireNumber(number);
        OptOuts.OptOut stored = optOuts.find(clientId, number);
        if (stored == null) {
            throw new ProblemException(ProblemCode.OPT_OUT_NOT_FOUND, number + " is not opted out.");
        }
        return OptOutView.of(stored);
    }

    @GET
    @Operation(summary = "List opt-outs", description = """
            The caller's opt-outs in number order, a page at a time: pass the answer's next_cursor as cursor for the \
            next page.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "200", description = "One page of opt-outs")
    @APIResponse(responseCode = "400", description = "A bad limit or cursor (problem+json)")
    public OptOutPage list(
            @Parameter(description = "Opt-outs per page, 1 to 1000 (default 100)") @QueryParam("limit") String limit,
            @Parameter(description = "next_cursor of the previous page") @QueryParam("cursor") String cursor) {
        String clientId = callers.clientId();
        int size = DEFAULT_LIMIT;
        if (limit != null) {
            long n = Ascii.number(limit, 4).orElse(0);
            if (n < 1 || n > OptOutService.MAX_PAGE) {
                throw new ProblemException(ProblemCode.INVALID_PARAMETER,
                        "'limit' must be a whole number from 1 to " + OptOutService.MAX_PAGE + ".");
            }
            size = (int) n;
        }
        if (cursor != null && !CURSOR.matcher(cursor).matches()) {
            throw new ProblemException(ProblemCode.INVALID_PARAMETER,
                    "'cursor' must be the next_cursor of a previous page (a number such as +4917012345).");
        }
        // One more than asked: whether it exists says if there is a next page, without a count.
        List<OptOuts.OptOut> rows = optOuts.page(clientId, cursor, size + 1);
        boolean more = rows.size() > size;
        List<OptOutView> views = rows.stream().limit(size).map(OptOutView::of).toList();
        return new OptOutPage(views, more ? views.get(views.size() - 1).number() : null);
    }

    private static void requireNumber(String number) {
        String problem = MessageRules.numberProblem(number);
        if (problem != null) {
            throw new ProblemException(ProblemCode.INVALID_NUMBER, "The number cannot be opted out: " + problem + ".");
        }
    }
}
