package com.acme.sms.api.security;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.credit.ClientIds;

/**
 * Who is calling, as {@link CallerFilter} established it before the endpoint runs; endpoints never read identity
 * from the request themselves.
 *
 * @param clientId the client whose credit and messages the request acts on; null on admin endpoints
 * @param actor who is calling, for the audit trail and the rate limit: the client itself, or (adding credit in
 *     jwt mode, admin endpoints) the admin's token subject; {@code admin} for the X-Admin-Key of header mode
 * @param admin whether the caller holds the admin role (jwt mode) or presented the admin key (header mode)
 */
public record Caller(String clientId, String actor, boolean admin) {

    public static final String CLIENT_HEADER = "X-Client-ID";
    public static final String AUTHORIZATION_HEADER = "Authorization";
    /** The OpenAPI security scheme of jwt mode (quarkus.smallrye-openapi.security-scheme-name). */
    public static final String BEARER_SCHEME = "bearer";
    public static final String CLIENT_HEADER_DOC = "Header mode: the caller's client id (required). Jwt mode: optional; "
            + "when sent it must be the token's subject.";

    /** A client id from the {@code X-Client-ID} header: required, and restricted to the safe alphabet of ids. */
    public static String clientId(String header) {
        if (header == null || header.isBlank()) {
            throw new ProblemException(ProblemCode.MISSING_CLIENT_ID, "The " + CLIENT_HEADER + " header is required.");
        }
        if (!ClientIds.isValid(header)) {
            throw new ProblemException(ProblemCode.INVALID_CLIENT_ID,
                    "The " + CLIENT_HEADER + " header must be " + ClientIds.RULE + ".");
        }
        return header;
    }
}
