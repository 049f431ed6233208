package com.acme.sms.api.error;

import java.util.Map;

/**
 * A problem the HTTP edge (resources and the request filter) answers on purpose, such as a malformed header or
 * parameter. Services throw domain exceptions instead, which {@link ProblemMappers} translates. {@code detail} is
 * for the human reading the answer.
 */
public class ProblemException extends RuntimeException {

    private final ProblemCode code;
    private final transient Map<String, Object> extensions;
    private final transient Map<String, String> headers;

    public ProblemException(ProblemCode code, String detail) {
        this(code, detail, Map.of());
    }

    public ProblemException(ProblemCode code, String detail, Map<String, Object> extensions) {
        this(code, detail, extensions, Map.of());
    }

    /** With response headers the answer needs, such as {@code Retry-After} or {@code WWW-Authenticate}. */
    public ProblemException(ProblemCode code, String detail, Map<String, Object> extensions, Map<String, String> headers) {
        super(detail, null, false, false);
        this.code = code;
        this.extensions = extensions;
        this.headers = headers;
    }

    public ProblemCode problemCode() {
        return code;
    }

    /** The wire name of the code. */
    public String code() {
        return code.code();
    }

    public int status() {
        return code.status();
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
