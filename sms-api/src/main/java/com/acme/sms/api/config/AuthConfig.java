package com.acme.sms.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;

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

    /**
     * Jwt mode: the longest lifetime ({@code exp - iat}) a token may be issued for; a token claiming more is refused,
     * however far its expiry. Tokens without {@code iat} are refused, since their age cannot be known.
     */
    @WithDefault("24h")
    Duration maxTokenLifetime();

    /**
     * Jwt mode: start without {@code mp.jwt.verify.audiences}, accepting tokens minted for any audience of the
     * issuer. For local setups only (dev and test profiles); elsewhere the API refuses to start without an audience.
     */
    @WithDefault("false")
    boolean allowNoAudience();

    /**
     * Failed authentications (a wrong admin key, an invalid token) per source address, and per claimed caller,
     * within {@link #failureWindow()}; beyond it the answer is 429 (see docs/security.md). 0 turns the throttle off.
     */
    @WithDefault("20")
    @PositiveOrZero
    int failureLimit();

    /** The window in which {@link #failureLimit()} failures are counted, from the first failure. */
    @WithDefault("60s")
    Duration failureWindow();
}
