package com.acme.sms.api.credit.rest;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.credit.CreditService;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.TextRules;
import com.acme.sms.api.rest.Ascii;
import com.acme.sms.api.security.AddsCredit;
import com.acme.sms.api.security.Caller;
import com.acme.sms.api.security.Callers;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/credit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Credit")
@SecurityRequirement(name = Caller.BEARER_SCHEME)
public class CreditResource {

    static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
    static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private final CreditService credit;
    private final ApiConfig config;
    private final Callers callers;

    public CreditResource(CreditService credit, ApiConfig config, Callers callers) {
        this.credit = credit;
        this.config = config;
        this.callers = callers;
    }

    @POST
    @Path("/increase")
    @Consumes(MediaType.APPLICATION_JSON)
    @AddsCredit
    @Operation(summary = "Add credit", description = """
            Adds `balance` credits to a client's account and returns the new live balance. Header mode: the client in \
            X-Client-ID credits itself, and its first top-up opens its account. Jwt mode: an admin act; the token needs \
            the admin role, X-Client-ID names the client to credit, and a client without an account is 404 unless \
            `create=true` asks to open one, so that a mistyped id opens nothing.""")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER,
            description = "Header mode: the caller's client id (required). Jwt mode: the client to credit (required).")
    @APIResponse(responseCode = "200",
            description = "Credit added (or, with header Idempotent-Replayed: true, added by the first request with this key)")
    @APIResponse(responseCode = "400",
            description = "Missing/invalid X-Client-ID, malformed JSON, or an invalid amount or name (problem+json)")
    @APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
    @APIResponse(responseCode = "403", description = "Jwt mode: the token lacks the admin role (problem+json)")
    @APIResponse(responseCode = "404",
            description = "Jwt mode: the client has no account and create=true was not given; nothing was added (problem+json)")
    @APIResponse(responseCode = "422",
            description = "The balance would exceed its maximum, or the Idempotency-Key was used for another body (problem+json)")
    @APIResponse(responseCode = "429",
            description = "The caller's requests-per-second limit is reached; see Retry-After (problem+json)")
    @APIResponse(responseCode = "503", description = """
            credit-pending: the credit is recorded and will be added to the live balance once; retry with the same \
            Idempotency-Key to see it (problem+json, Retry-After)""")
    public Response increase(
            @Parameter(
                    description = "Jwt mode: true to open an account for a client never credited before (default false)") @QueryParam("create") String create,
            @Parameter(
                    description = "Optional, 1 to 128 of A-Z a-z 0-9 . _ : - ; a retry with the same key and body within 24 h "
                            + "adds nothing and gets the first answer") @HeaderParam(IDEMPOTENCY_HEADER) String idempotencyKey,
            CreditIncreaseRequest body) {
        Caller caller = callers.current();
        boolean mayCreate = create != null && Ascii.flag(create).orElseThrow(
                () -> new ProblemException(ProblemCode.INVALID_PARAMETER, "'create' must be true or false."));
        if (body == null) {
            throw new ProblemException(ProblemCode.MISSING_BODY,
                    "Send a JSON body such as {\"name\": \"Acme\", \"balance\": 50}.");
        }
        if (body.balance() == null) {
            throw new ProblemException(ProblemCode.INVALID_BALANCE, "'balance' (the credits to add) is required.");
        }
        if (body.balance() < 1 || body.balance() > config.maxCreditIncrease()) {
            throw new ProblemException(ProblemCode.INVALID_BALANCE,
                    "'balance' is the number of credits to add: a whole number from 1 to " + config.maxCreditIncrease() + ".");
        }
        String name = body.name();
        String nameProblem = name == null ? null : TextRules.checkName(name, 1, 200);
        if (nameProblem != null) {
            throw new ProblemException(ProblemCode.INVALID_NAME,
                    "'name' must be 1 to 200 printable characters: " + nameProblem + ".");
        }
        // An admin names the client in a header: a typo there must not open an account. A client crediting itself
        // (header mode) opens its own on the first top-up, as docs/specification.md describes.
        if (caller.admin() && !mayCreate && !credit.exists(caller.clientId())) {
            throw new ProblemException(ProblemCode.CLIENT_NOT_FOUND, "Client " + caller.clientId()
                    + " has no account; check the id, or add create=true to the query to open one.");
        }
        // The ledger records who added the credit: the client itself in header mode, the admin in jwt mode.
        CreditService.TopUp topUp = credit.increase(caller.clientId(), name, body.balance(), caller.actor(), idempotencyKey);
        CreditService.Account account = topUp.account();
        Response.ResponseBuilder answer = Response
                .ok(new CreditResponse(account.clientId(), account.name(), account.balance(), topUp.added()));
        if (topUp.replayed()) {
            answer.header(REPLAYED_HEADER, "true");
        }
        return answer.build();
    }

    @GET
    @Operation(summary = "Read credit", description = "The caller's name and live balance (0 for a client never seen).")
    @Parameter(name = Caller.CLIENT_HEADER, in = ParameterIn.HEADER, description = Caller.CLIENT_HEADER_DOC)
    @APIResponse(responseCode = "200", description = "The account")
    @APIResponse(responseCode = "400", description = "Header mode: missing or invalid X-Client-ID (problem+json)")
    @APIResponse(responseCode = "401", description = "Jwt mode: no, or no valid, bearer token (problem+json)")
    @APIResponse(responseCode = "403", description = "Jwt mode: X-Client-ID names another client than the token (problem+json)")
    @APIResponse(responseCode = "429",
            description = "The caller's requests-per-second limit is reached; see Retry-After (problem+json)")
    public CreditResponse get() {
        String clientId = callers.clientId();
        CreditService.Account account = credit.get(clientId);
        return new CreditResponse(account.clientId(), account.name(), account.balance(), null);
    }
}
