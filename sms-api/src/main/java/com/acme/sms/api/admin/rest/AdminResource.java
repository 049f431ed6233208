package com.acme.sms.api.admin.rest;

import com.acme.sms.api.admin.DeadLetters;
import com.acme.sms.api.credit.Reconciliation;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.api.security.AdminGuard;
import com.acme.sms.api.security.AdminOnly;
import com.acme.sms.api.security.Caller;
import com.acme.sms.credit.ClientIds;
import com.acme.sms.message.MessageType;
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
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Operator endpoints: dead letters and credit reconciliation. All need the admin key (header mode) or a token with
 * the admin role (jwt mode).
 */
@Path("/api/admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Admin")
@AdminOnly
@SecurityRequirement(name = Caller.BEARER_SCHEME)
@APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
@APIResponse(responseCode = "403", description = "Header mode: no or wrong X-Admin-Key, or admin endpoints disabled; "
        + "jwt mode: the token lacks the admin role (problem+json)")
public class AdminResource {

    private static final Pattern ENTRY_ID = Pattern.compile("([0-9]{1,20})-([0-9]{1,20})");

    private final AdminGuard guard;
    private final DeadLetters deadLetters;
    private final Reconciliation reconciliation;

    public AdminResource(AdminGuard guard, DeadLetters deadLetters, Reconciliation reconciliation) {
        this.guard = guard;
        this.deadLetters = deadLetters;
        this.reconciliation = reconciliation;
    }

    public record DeadLetterView(String entryId, Map<String, String> fields) {}

    public record DeadLetterList(String type, long total, List<DeadLetterView> deadLetters) {}

    @GET
    @Path("/dead-letters")
    @Operation(summary = "List dead letters", description = "Entries the workers gave up on, oldest first, with the reason.")
    public DeadLetterList listDeadLetters(
            @Parameter(
                    description = "Header mode: the admin key (ignored in jwt mode)") @HeaderParam(AdminGuard.HEADER) String adminKey,
            @Parameter(description = "normal (default) or express") @QueryParam("type") String type,
            @Parameter(description = "Most entries to list, 1 to 1000 (default 100)") @QueryParam("count") String count) {
        guard.require(adminKey);
        MessageType t = type(type);
        int n = count == null ? 100 : parseCount(count);
        List<DeadLetterView> views = deadLetters.list(t, n).stream()
                .map(d -> new DeadLetterView(d.entryId(), d.fields())).toList();
        return new DeadLetterList(t.wireName(), deadLetters.size(t), views);
    }

    @POST
    @Path("/dead-letters/{type}/{entryId}/requeue")
    @Operation(summary = "Send a dead letter again", description = """
            Queues the message again as a new message (new id), charging its client one credit; the dead letter is \
            removed. The original was recorded as failed and refunded when it was dead-lettered. A message with a \
            validity (every express message) keeps its original expiry: once it has passed, the requeue is refused.""")
    @APIResponse(responseCode = "202", description = "Queued again; the answer names the new message id")
    @APIResponse(responseCode = "402", description = "The client has no credit (problem+json)")
    @APIResponse(responseCode = "404", description = "No such dead letter (problem+json)")
    @APIResponse(responseCode = "422", description = """
            The entry is malformed and cannot be sent, or its validity has passed (problem+json)""")
    public Response requeue(@HeaderParam(AdminGuard.HEADER) String adminKey, @PathParam("type") String type,
            @PathParam("entryId") String entryId) {
        guard.require(adminKey);
        MessageType t = type(type);
        DeadLetters.DeadLetter letter = deadLetters.find(t, entryId(entryId))
                .orElseThrow(() -> new ProblemException(ProblemCode.DEAD_LETTER_NOT_FOUND, "No dead letter " + entryId + "."));
        DeadLetters.RequeueResult result = deadLetters.requeue(t, letter);
        return switch (result.outcome()) {
            case REQUEUED -> Response.accepted(Map.of("entry_id", entryId, "status", "queued", "id", result.newId())).build();
            case GONE -> throw new ProblemException(ProblemCode.DEAD_LETTER_NOT_FOUND, "No dead letter " + entryId + ".");
            case NO_CREDIT ->
                throw new ProblemException(ProblemCode.INSUFFICIENT_CREDIT, "The message's client has no credit left.");
            case NOT_REQUEUABLE -> throw new ProblemException(ProblemCode.NOT_REQUEUABLE,
                    "This entry is malformed (no client, recipient or content) and cannot be sent; discard it.");
            case EXPIRED -> throw new ProblemException(ProblemCode.DEAD_LETTER_EXPIRED,
                    "This message's validity has passed; it is not sent late. Discard it.");
            case OPTED_OUT -> throw new ProblemException(ProblemCode.NOT_REQUEUABLE,
                    "The recipient has opted out of this client's messages; it is not sent. Discard it.");
        };
    }

    @DELETE
    @Path("/dead-letters/{type}/{entryId}")
    @Operation(summary = "Discard a dead letter")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "404", description = "No such dead letter (problem+json)")
    public Response discard(@HeaderParam(AdminGuard.HEADER) String adminKey, @PathParam("type") String type,
            @PathParam("entryId") String entryId) {
        guard.require(adminKey);
        if (!deadLetters.discard(type(type), entryId(entryId))) {
            throw new ProblemException(ProblemCode.DEAD_LETTER_NOT_FOUND, "No dead letter " + entryId + ".");
        }
        return Response.noContent().build();
    }

    @GET
    @Path("/reconciliation")
    @Operation(summary = "Check credit conservation", description = """
            Per client: credit added = live balance + charged for sent + charged for still queued. Lists clients \
            with drift (or all with all=true). Run at a quiet moment: a batch in progress shows as a passing drift.""")
    public Reconciliation.Report reconcile(@HeaderParam(AdminGuard.HEADER) String adminKey,
            @Parameter(description = "Check only this client") @QueryParam("client") String client,
            @Parameter(description = "true to list every client, not only those with drift") @QueryParam("all") String all) {
        guard.require(adminKey);
        boolean everyClient = all == null ? false : Ascii.flag(all).orElseThrow(
                () -> new ProblemException(ProblemCode.INVALID_PARAMETER, "'all' must be true or false."));
        if (client != null && !ClientIds.isValid(client)) {
            throw new ProblemException(ProblemCode.INVALID_PARAMETER, "'client' is not a valid client id.");
        }
        return reconciliation.check(client, everyClient);
    }

    @POST
    @Path("/reconciliation/rebuild")
    @Operation(summary = "Rebuild live balances from PostgreSQL", description = """
            Sets every client's Redis balance to credit added - sent - still queued. For recovery after Redis lost \
            its data; run with the API stopped or idle.""")
    public Reconciliation.Report rebuild(@HeaderParam(AdminGuard.HEADER) String adminKey) {
        guard.require(adminKey);
        return reconciliation.rebuild();
    }

    private static MessageType type(String type) {
        if (type == null) {
            return MessageType.NORMAL;
        }
        return Ascii.type(type).orElseThrow(
                () -> new ProblemException(ProblemCode.INVALID_PARAMETER, "'type' must be normal or express."));
    }

    /**
     * A Redis stream entry id: two unsigned 64-bit numbers. Twenty digits alone still allow 99999999999999999999,
     * which Redis refuses with an error (a 500) instead of finding nothing.
     */
    static String entryId(String entryId) {
        Matcher m = ENTRY_ID.matcher(entryId);
        if (!m.matches() || !fitsUnsigned64(m.group(1)) || !fitsUnsigned64(m.group(2))) {
            throw new ProblemException(ProblemCode.INVALID_PARAMETER,
                    "A dead-letter entry id is two whole numbers below 2^64 joined by '-', like 1764051718230-0.");
        }
        return entryId;
    }

    private static boolean fitsUnsigned64(String digits) {
        try {
            Long.parseUnsignedLong(digits);
            return true;
        } catch (NumberFormatException tooLarge) {
            return false;
        }
    }

    private static int parseCount(String count) {
        long n = Ascii.number(count, 4).orElse(0);
        if (n >= 1 && n <= 1000) {
            return (int) n;
        }
        throw new ProblemException(ProblemCode.INVALID_PARAMETER, "'count' must be a whole number from 1 to 1000.");
    }

}
