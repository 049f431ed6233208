package com.acme.sms.api.caller;

import com.acme.sms.api.error.ApiException;
import com.acme.sms.credit.ClientIds;

/**
 * Who is calling. In the seed's header mode the {@code X-Client-ID} header is trusted as it is; this is the one
 * place that turns request headers into a client id.
 */
public final class Caller {

    public static final String CLIENT_HEADER = "X-Client-ID";

    private Caller() {}

    public static String clientId(String header) {
        if (header == null || header.isBlank()) {
            throw ApiException.badRequest("missing-client-id", "The " + CLIENT_HEADER + " header is required.");
        }
        if (!ClientIds.isValid(header)) {
            throw ApiException.badRequest(
                    "invalid-client-id",
                    "The " + CLIENT_HEADER + " header must be 1 to " + ClientIds.MAX_LENGTH
                            + " characters of letters, digits, '.', '_', '@' or '-', starting with a letter or digit.");
        }
        return header;
    }
}
