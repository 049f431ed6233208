package com.acme.sms.api.error;

import java.util.Locale;

/**
 * Every problem {@code code} the API can answer, with its HTTP status and the problem's title (the status' reason
 * phrase). The code is the stable, machine-readable name a client switches on; it ends the problem's {@code type}
 * URI. docs/problem-codes.md lists the same codes; a test keeps the two in step.
 */
public enum ProblemCode {

    // 400: the request is malformed; nothing was done
    MISSING_CLIENT_ID(400),
    INVALID_CLIENT_ID(400),
    DUPLICATE_HEADER(400),
    INVALID_HEADER(400),
    INVALID_PARAMETER(400),
    /** A sent-log cursor that this API did not mint for this client and these filters, or that was altered. */
    INVALID_CURSOR(400),
    INVALID_ID(400),
    INVALID_SMS_TYPE(400),
    NO_MESSAGES(400),
    TOO_MANY_MESSAGES(400),
    INVALID_VALIDITY(400),
    INVALID_IDEMPOTENCY_KEY(400),
    MISSING_BODY(400),
    INVALID_BALANCE(400),
    INVALID_NAME(400),
    INVALID_CONTENT(400),
    INVALID_NUMBER(400),
    INVALID_SEND_AT(400),
    /** A webhook URL that is not https, or whose host resolves to a non-public address (SSRF). */
    WEBHOOK_URL_NOT_ALLOWED(400),
    INVALID_WEBHOOK_SECRET(400),
    MALFORMED_JSON(400),
    INVALID_REQUEST(400),
    /** A request the framework refused before an endpoint ran, for a reason no other code names. */
    BAD_REQUEST(400),
    // 401: no valid token (jwt mode)
    MISSING_TOKEN(401),
    INVALID_TOKEN(401),
    /** The dashboard (a browser) without the admin's credentials: answered with a Basic challenge. */
    LOGIN_REQUIRED(401),
    // 402: no credit; nothing was charged
    INSUFFICIENT_CREDIT(402),
    // 403: the caller may not do this
    ADMIN_DISABLED(403),
    NOT_ADMIN(403),
    CLIENT_MISMATCH(403),
    // 404 to 415: the framework's answers about the resource or the body
    NOT_FOUND(404),
    MESSAGE_NOT_FOUND(404),
    CLIENT_NOT_FOUND(404),
    DEAD_LETTER_NOT_FOUND(404),
    OPT_OUT_NOT_FOUND(404),
    WEBHOOK_NOT_FOUND(404),
    WEBHOOK_FAILURE_NOT_FOUND(404),
    METHOD_NOT_ALLOWED(405),
    NOT_ACCEPTABLE(406),
    // 409: the state of the system does not allow it now
    REBUILD_REFUSED(409),
    NOT_CANCELLABLE(409),
    BODY_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    // 422: well-formed, but nothing can be done with it
    NO_VALID_MESSAGES(422),
    IDEMPOTENCY_KEY_REUSED(422),
    BALANCE_LIMIT(422),
    NOT_REQUEUABLE(422),
    DEAD_LETTER_EXPIRED(422),
    // 429: a per-client rate limit; answered with Retry-After
    RATE_LIMITED(429),
    // 5xx: the server's side
    INTERNAL_ERROR(500),
    REDIS_UNAVAILABLE(503),
    SERVICE_UNAVAILABLE(503),
    /** A top-up is recorded but not yet in the live balance; it will be, once. Answered with Retry-After. */
    CREDIT_PENDING(503),
    /** Refused while a rebuild of the live balances runs; nothing was done. Answered with Retry-After. */
    REBUILD_IN_PROGRESS(503);

    private final int status;

    ProblemCode(int status) {
        this.status = status;
    }

    /** The wire name: {@code INVALID_PARAMETER} is {@code invalid-parameter}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public int status() {
        return status;
    }

    public String title() {
        return Problem.title(status);
    }
}
