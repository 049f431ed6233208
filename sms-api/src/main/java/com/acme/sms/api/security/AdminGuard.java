package com.acme.sms.api.security;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.config.AuthConfig;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may use the operator endpoints under /api/admin. In header mode: callers presenting the configured admin key
 * in {@code X-Admin-Key}; without a configured key the endpoints are closed, so a deployment never exposes them by
 * accident. In jwt mode: callers whose token holds the admin role; the key is then ignored, as every header trust
 * of header mode is.
 */
@ApplicationScoped
public class AdminGuard {

    public static final String HEADER = "X-Admin-Key";

    private final Optional<String> adminKey;
    private final AuthConfig auth;
    private final Callers callers;

    public AdminGuard(ApiConfig config, AuthConfig auth, Callers callers) {
        this.adminKey = config.adminKey().filter(k -> !k.isBlank());
        this.auth = auth;
        this.callers = callers;
    }

    /**
     * Checks the caller again at the endpoint ({@link CallerFilter} already did) and returns a name for the admin,
     * for the audit trail.
     */
    public String require(String presentedKey) {
        if (auth.mode() == AuthConfig.Mode.JWT) {
            Caller caller = callers.current();
            if (!caller.admin()) {
                throw notAdmin("This endpoint needs a token with the admin role.");
            }
            return caller.actor();
        }
        if (presentedKey == null && callers.current().admin()) {
            // The request filter took the key from a Basic login (the dashboard), where no X-Admin-Key is sent.
            return callers.current().actor();
        }
        return requireKey(presentedKey);
    }

    /** Header mode's check of the admin key. */
    String requireKey(String presented) {
        if (adminKey.isEmpty()) {
            throw new ProblemException(ProblemCode.ADMIN_DISABLED,
                    "Admin endpoints are disabled: set sms.api.admin-key (SMS_API_ADMIN_KEY) to enable them.");
        }
        if (presented == null || !MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), adminKey.get().getBytes(StandardCharsets.UTF_8))) {
            throw notAdmin("This endpoint needs the admin key in the " + HEADER + " header.");
        }
        return "admin";
    }

    static ProblemException notAdmin(String detail) {
        return new ProblemException(ProblemCode.NOT_ADMIN, detail);
    }
}
