package com.acme.sms.api.message.rest;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.message.SendOutcome;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place a send's outcome becomes an HTTP answer: 202 when at least one message was queued; otherwise a
 * problem, 402 when credit was lacking, else 422, carrying the per-message results.
 */
final class SendResponses {

    static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private SendResponses() {}

    static Response of(SendOutcome outcome) {
        List<SendResult> results = outcome.results().stream().map(m -> SendResult.of(m, outcome.sendAt() != null)).toList();
        if (outcome.accepted() > 0) {
            Response.ResponseBuilder answer = Response.accepted(new SendResponse(outcome.type().wireName(),
                    outcome.accepted(), outcome.rejected(), outcome.charged(), outcome.balance(),
                    Instant.ofEpochMilli(outcome.queuedAtMillis()), outcome.sendAt(), results));
            if (outcome.replayed()) {
                answer.header(REPLAYED_HEADER, "true");
            }
            return answer.build();
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("accepted", 0);
        details.put("rejected", outcome.rejected());
        if (outcome.balance() != null) {
            details.put("balance", outcome.balance());
        }
        details.put("results", results);
        if (outcome.rejectedForCredit() > 0) {
            throw new ProblemException(ProblemCode.INSUFFICIENT_CREDIT,
                    "The balance does not cover any of these messages; nothing was charged.", details);
        }
        throw new ProblemException(ProblemCode.NO_VALID_MESSAGES, outcome.rejectedOptedOut() > 0
                ? "None of the messages can be sent (each is invalid or to a number that opted out); nothing was charged. "
                        + "See 'results' for each reason."
                : "None of the messages is valid; nothing was charged. See 'results' for each reason.", details);
    }
}
