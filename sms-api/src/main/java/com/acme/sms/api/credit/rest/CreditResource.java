package com.acme.sms.api.credit.rest;

import com.acme.sms.api.caller.Caller;
import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.credit.CreditService;
import com.acme.sms.api.error.ApiException;
import com.acme.sms.api.message.rest.TextRules;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

@Path("/api/credit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Credit")
public class CreditResource {

    private final CreditService credit;
    private final ApiConfig config;

    public CreditResource(CreditService credit, ApiConfig config) {
        this.credit = credit;
        this.config = config;
    }

    @POST
    @Path("/increase")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add credit", description = "Adds `balance` credits to the caller's account (creating it on first use) and returns the new live balance.")
    @APIResponse(responseCode = "200", description = "Credit added")
    @APIResponse(responseCode = "400", description = "Missing/invalid X-Client-ID, malformed JSON, or an invalid amount or name (problem+json)")
    @APIResponse(responseCode = "422", description = "The balance would exceed its maximum (problem+json)")
    @APIResponse(responseCode = "503", description = "Redis unavailable; nothing was added (problem+json)")
    public CreditResponse increase(
            @Parameter(description = "The client's id", required = true) @HeaderParam(Caller.CLIENT_HEADER) String clientHeader,
            CreditIncreaseRequest body) {
        String clientId = Caller.clientId(clientHeader);
        if (body == null) {
            throw ApiException.badRequest("missing-body", "Send a JSON body such as {\"name\": \"Acme\", \"balance\": 50}.");
        }
        if (body.balance() == null) {
            throw ApiException.badRequest("invalid-balance", "'balance' (the credits to add) is required.");
        }
        if (body.balance() < 1 || body.balance() > config.maxCreditIncrease()) {
            throw ApiException.badRequest("invalid-balance",
                    "'balance' is the number of credits to add: a whole number from 1 to " + config.maxCreditIncrease() + ".");
        }
        String name = body.name();
        if (name != null && TextRules.checkText(name, 1, 200) != null) {
            throw ApiException.badRequest("invalid-name",
                    "'name' must be 1 to 200 printable characters: " + TextRules.checkText(name, 1, 200) + ".");
        }
        CreditService.Account account = credit.increase(clientId, name, body.balance(), clientId);
        return new CreditResponse(account.clientId(), account.name(), account.balance(), body.balance());
    }

    @GET
    @Operation(summary = "Read credit", description = "The caller's name and live balance (0 for a client never seen).")
    @APIResponse(responseCode = "200", description = "The account")
    @APIResponse(responseCode = "400", description = "Missing or invalid X-Client-ID (problem+json)")
    public CreditResponse get(
            @Parameter(description = "The client's id", required = true) @HeaderParam(Caller.CLIENT_HEADER) String clientHeader) {
        String clientId = Caller.clientId(clientHeader);
        CreditService.Account account = credit.get(clientId);
        return new CreditResponse(account.clientId(), account.name(), account.balance(), null);
    }
}
