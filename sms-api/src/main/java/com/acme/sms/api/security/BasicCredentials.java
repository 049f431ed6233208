package com.acme.sms.api.security;

import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

/** HTTP Basic for the admin endpoints a browser opens (see {@link BasicLogin}). */
public final class BasicCredentials {

    private BasicCredentials() {}

    public static final String REALM = "SMS dashboard";
    public static final String CHALLENGE = "Basic realm=\"" + REALM + "\", charset=\"UTF-8\"";

    /** The password of a Basic {@code Authorization} header, or null when the header is absent or not Basic. */
    public static String password(String authorization) {
        if (authorization == null || authorization.length() < 6
                || !authorization.substring(0, 6).toLowerCase(Locale.ROOT).equals("basic ")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return null;
        }
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : decoded.substring(colon + 1);
    }

    /** The refusal a browser understands: 401 with the challenge, whatever the admin check said. */
    public static ProblemException challenge(ProblemException refused) {
        return switch (refused.problemCode()) {
            case NOT_ADMIN, MISSING_TOKEN, INVALID_TOKEN -> new ProblemException(ProblemCode.LOGIN_REQUIRED,
                    "The dashboard needs the operator's credentials: any user name, and as password the admin key "
                            + "(header mode) or an admin token (jwt mode).",
                    Map.of(), Map.of("WWW-Authenticate", CHALLENGE));
            default -> refused;
        };
    }
}
