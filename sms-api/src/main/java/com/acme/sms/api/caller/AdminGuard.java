package com.acme.sms.api.caller;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.error.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may use the operator endpoints under /api/admin: callers presenting the configured admin key in
 * {@code X-Admin-Key}. Without a configured key the endpoints are closed, so a deployment never exposes them
 * by accident.
 */
@ApplicationScoped
public class AdminGuard {

    public static final String HEADER = "X-Admin-Key";

    private final Optional<String> adminKey;

    public AdminGuard(ApiConfig config) {
        this.adminKey = config.adminKey().filter(k -> !k.isBlank());
    }

    /** Returns a name for the admin, for the audit trail. */
    public String require(String presented) {
        if (adminKey.isEmpty()) {
            throw new ApiException(403, "admin-disabled",
                    "Admin endpoints are disabled: set sms.api.admin-key (SMS_API_ADMIN_KEY) to enable them.");
        }
        if (presented == null || !MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), adminKey.get().getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(403, "not-admin", "This endpoint needs the admin key in the " + HEADER + " header.");
        }
        return "admin";
    }
}
