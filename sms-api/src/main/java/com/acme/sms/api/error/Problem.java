package com.acme.sms.api.error;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one shape of every error answer: RFC 9457 problem details, plus {@code code} (the last segment of
 * {@code type}) and, where useful, extension members such as per-message results.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class Problem {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://sms.acme.example/problems/";

    public final String type;
    public final String title;
    public final int status;
    public final String code;
    public final String detail;
    public final String instance;
    private final Map<String, Object> extensions;

    public Problem(int status, String code, String detail, String instance, Map<String, Object> extensions) {
        this.type = TYPE_BASE + code;
        this.title = title(status);
        this.status = status;
        this.code = code;
        this.detail = detail;
        this.instance = instance;
        this.extensions = new LinkedHashMap<>(extensions);
    }

    /** The title of every problem with this status: its reason phrase. */
    static String title(int status) {
        Response.Status known = Response.Status.fromStatusCode(status);
        if (known != null) {
            return known.getReasonPhrase();
        }
        return switch (status) {
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            default -> status >= 500 ? "Server Error" : "Client Error";
        };
    }

    @JsonAnyGetter
    public Map<String, Object> extensions() {
        return extensions;
    }
}
