package com.acme.sms.api.error;

import java.util.Map;

/**
 * An error the API answers on purpose. {@code code} is the stable, machine-readable name (it ends the problem's
 * {@code type} URI); {@code detail} is for the human reading the answer.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final transient Map<String, Object> extensions;
    private final transient Map<String, String> headers;

    public ApiException(int status, String code, String detail) {
        this(status, code, detail, Map.of());
    }

    public ApiException(int status, String code, String detail, Map<String, Object> extensions) {
        this(status, code, detail, extensions, Map.of());
    }

    /** With response headers the answer needs, such as {@code Retry-After} or {@code WWW-Authenticate}. */
    public ApiException(int status, String code, String detail, Map<String, Object> extensions, Map<String, String> headers) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.extensions = extensions;
        this.headers = headers;
    }

    public static ApiException badRequest(String code, String detail) {
        return new ApiException(400, code, detail);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
