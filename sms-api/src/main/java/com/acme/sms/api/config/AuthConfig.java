package com.acme.sms.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How callers are identified. See docs/security.md. */
@ConfigMapping(prefix = "sms.auth")
public interface AuthConfig {

    enum Mode {
        /**
         * The specification's plain mode (docs/specification.md), for local use only: {@code X-Client-ID} is trusted as it is, admin endpoints take
         * {@code X-Admin-Key}. Anyone who can reach the API can act as any client.
         */
        HEADER,
        /**
         * Every /api call carries a bearer token (RS256, verified with {@code mp.jwt.verify.*}); its subject is
         * the client, its groups claim may hold the admin role. Headers never grant an identity.
         */
        JWT
    }

    @WithDefault("header")
    Mode mode();

    /** The group (in the token's groups claim) that makes a caller an admin in jwt mode. */
    @WithDefault("admin")
    String adminRole();
}
