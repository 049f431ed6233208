package com.acme.sms.api.security;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Rules every /api request must meet before anything reads it, whatever the endpoint.
 *
 * <p>The values the API interprets (client id, message type, Idempotency-Key, query parameters, path ids) each have
 * a strict alphabet checked where they are read, and are only ever passed to PostgreSQL as bound parameters and to
 * Redis as key names or script arguments, never into SQL or Lua source. These rules add what no single endpoint
 * sees: control characters in any header or query value (never legitimate, and a hazard for logs and for anything
 * that forwards headers), absurd lengths, and repeated headers or parameters that would leave it ambiguous which
 * value counts.
 */
public final class RequestRules {

    /** Longer than any sensible header this API reads; a JWT with a few claims is well under 2 KiB. */
    public static final int MAX_HEADER_VALUE = 8192;
    /** Every query this API understands fits in a few hundred characters. */
    public static final int MAX_QUERY_LENGTH = 2048;
    public static final int MAX_QUERY_VALUE = 256;

    /** Headers that carry one value: a second copy is refused rather than guessing which one counts. */
    static final Set<String> SINGLE_HEADERS = Set.of("x-client-id", "x-sms-type", "idempotency-key", "authorization",
            "x-admin-key", "content-type", "content-length");

    /** Query parameters of the API; each may appear at most once. */
    static final Set<String> SINGLE_PARAMETERS = Set.of("status", "type", "from_date", "to_date", "page", "page_size",
            "cursor", "count", "client", "all", "create", "format");

    private RequestRules() {}

    /** The first broken header rule, or null. Header names and values as the server decoded them (ISO-8859-1). */
    public static ProblemException checkHeaders(Map<String, List<String>> headers) {
        // Counted by lower-case name, in case the map keeps differently spelled copies apart.
        Map<String, Integer> seen = new HashMap<>();
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = header.getKey();
            List<String> values = header.getValue();
            String lower = name.toLowerCase(Locale.ROOT);
            if (SINGLE_HEADERS.contains(lower) && seen.merge(lower, values.size(), Integer::sum) > 1) {
                return new ProblemException(ProblemCode.DUPLICATE_HEADER, "The " + name + " header may be sent only once.");
            }
            for (String value : values) {
                if (value.length() > MAX_HEADER_VALUE) {
                    return new ProblemException(ProblemCode.INVALID_HEADER,
                            headerLabel(name) + " is longer than " + MAX_HEADER_VALUE + " characters.");
                }
                if (hasControlCharacter(value, true)) {
                    return new ProblemException(ProblemCode.INVALID_HEADER,
                            headerLabel(name) + " contains a control character.");
                }
            }
        }
        return null;
    }

    /**
     * The first broken query rule, or null.
     *
     * @param rawQuery the query string as sent (percent-encoded), or null
     * @param parameters the decoded parameters
     */
    public static ProblemException checkQuery(String rawQuery, Map<String, List<String>> parameters) {
        if (rawQuery != null && rawQuery.length() > MAX_QUERY_LENGTH) {
            return new ProblemException(ProblemCode.INVALID_PARAMETER,
                    "The query string is longer than " + MAX_QUERY_LENGTH + " characters.");
        }
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            String name = parameter.getKey();
            if (hasControlCharacter(name, false)) {
                return new ProblemException(ProblemCode.INVALID_PARAMETER,
                        "A query parameter name contains a control character.");
            }
            List<String> values = parameter.getValue();
            if (values.size() > 1 && SINGLE_PARAMETERS.contains(name)) {
                return new ProblemException(ProblemCode.INVALID_PARAMETER, "'" + name + "' may be given only once.");
            }
            for (String value : values) {
                if (value.length() > MAX_QUERY_VALUE) {
                    return new ProblemException(ProblemCode.INVALID_PARAMETER,
                            "'" + safeName(name, "a query parameter") + "' is longer than " + MAX_QUERY_VALUE + " characters.");
                }
                if (hasControlCharacter(value, false)) {
                    return new ProblemException(ProblemCode.INVALID_PARAMETER,
                            "'" + safeName(name, "a query parameter") + "' contains a control character.");
                }
            }
        }
        return null;
    }

    /**
     * C0 controls and DEL; in query values (decoded as UTF-8) also the C1 controls. Header values are decoded as
     * ISO-8859-1, where 0x80-0x9F are bytes of ordinary UTF-8 characters (RFC 9110 obs-text), so there they pass.
     * A tab is legal whitespace inside a header value, never in a query value.
     */
    static boolean hasControlCharacter(String value, boolean header) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && !(header && c == '\t') || c == 0x7F || !header && c >= 0x80 && c <= 0x9F) {
                return true;
            }
        }
        return false;
    }

    private static String headerLabel(String name) {
        String safe = safeName(name, null);
        return safe == null ? "A header" : "The " + safe + " header";
    }

    /** A name fit to repeat in an error detail (names are the client's input too), else the fallback. */
    private static String safeName(String name, String fallback) {
        return name.length() <= 40 && name.chars().allMatch(c -> c >= 0x21 && c < 0x7F && c != '\'' && c != '"')
                ? name : fallback;
    }
}
