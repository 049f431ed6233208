package com.acme.sms.api.security;

import com.acme.sms.api.config.AuthConfig;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.credit.ClientIds;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.consumer.InvalidJwtException;

/**
 * Checks bearer tokens in jwt mode with smallrye-jwt's parser, configured by the standard {@code mp.jwt.verify.*}
 * keys (public key or JWKS location, issuer, audiences). It verifies the RS256 signature (so unsigned and
 * {@code alg: none} tokens fail), the issuer, the audience and the expiry; {@link TokenClaims} adds the shape of
 * {@code groups} and the bounds of {@code iat} and of the token's lifetime.
 *
 * <p>The parser is called here rather than through Quarkus' HTTP authentication, which runs lazily in this API
 * ({@code quarkus.http.auth.proactive=false}): that keeps header mode free of any token handling, and lets every
 * refusal be a problem+json answer like the API's other errors.
 */
@ApplicationScoped
public class TokenVerifier {

    public static final int MAX_TOKEN_LENGTH = 8192;
    private static final Pattern BEARER = Pattern.compile("(?i)bearer +([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*)");
    private static final String CHALLENGE = "Bearer realm=\"sms\"";
    /** smallrye-jwt's value for "no inline key". */
    private static final String NO_KEY = "NONE";
    /** smallrye-jwt's default of mp.jwt.verify.clock.skew, in seconds. */
    private static final int DEFAULT_CLOCK_SKEW = 60;

    private final AuthConfig auth;
    private final JWTParser parser;
    private final Config config;
    private final boolean remoteKeys;
    /** The clock skew smallrye-jwt allows on exp, allowed on iat too (smallrye-jwt does not check iat's future). */
    private final int clockSkew;

    public TokenVerifier(AuthConfig auth, JWTParser parser, Config config) {
        this.auth = auth;
        this.parser = parser;
        this.config = config;
        this.remoteKeys = keyLocation().map(l -> l.toLowerCase(Locale.ROOT).startsWith("http")).orElse(false);
        this.clockSkew = config.getOptionalValue("mp.jwt.verify.clock.skew", Integer.class).orElse(DEFAULT_CLOCK_SKEW);
    }

    /**
     * In jwt mode, refuses to start without a key and an issuer, and without an audience unless
     * {@code sms.auth.allow-no-audience} says this is a local setup: a half-configured verifier must not serve.
     */
    void checkConfiguration(@Observes StartupEvent start) {
        checkConfiguration();
    }

    void checkConfiguration() {
        if (auth.mode() != AuthConfig.Mode.JWT) {
            return;
        }
        boolean key = keyLocation().isPresent() || config.getOptionalValue("mp.jwt.verify.publickey", String.class)
                .filter(k -> !k.isBlank() && !k.equals(NO_KEY)).isPresent();
        boolean issuer = config.getOptionalValue("mp.jwt.verify.issuer", String.class).filter(i -> !i.isBlank()).isPresent();
        if (!key || !issuer) {
            throw new IllegalStateException("sms.auth.mode=jwt needs the token issuer's public key "
                    + "(mp.jwt.verify.publickey.location: a PEM file or a JWKS URL) and its name (mp.jwt.verify.issuer); "
                    + "see docs/security.md");
        }
        boolean audience = config.getOptionalValue("mp.jwt.verify.audiences", String.class).filter(a -> !a.isBlank())
                .isPresent();
        if (!audience && !auth.allowNoAudience()) {
            // Without it, a token the issuer minted for any other service of the same issuer would be accepted here.
            throw new IllegalStateException("sms.auth.mode=jwt needs the audience of this API's tokens "
                    + "(mp.jwt.verify.audiences, MP_JWT_VERIFY_AUDIENCES), so that tokens minted for other services "
                    + "of the issuer are refused; only local setups may go without (sms.auth.allow-no-audience=true); "
                    + "see docs/security.md");
        }
        if (!audience) {
            Log.warn("Authentication: no audience configured (sms.auth.allow-no-audience=true): tokens of the issuer "
                    + "for any audience are accepted; for local use only");
        }
        Log.infof("Authentication: jwt (issuer %s, keys from %s)", config.getValue("mp.jwt.verify.issuer", String.class),
                keyLocation().orElse("mp.jwt.verify.publickey"));
    }

    private Optional<String> keyLocation() {
        return config.getOptionalValue("mp.jwt.verify.publickey.location", String.class).filter(l -> !l.isBlank());
    }

    /** The caller a valid token names; fails with a 401 problem for a missing, malformed or invalid token. */
    public Uni<Verified> verify(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().failure(unauthorized(ProblemCode.MISSING_TOKEN,
                    "This API needs a bearer token: send 'Authorization: Bearer <token>'.", false));
        }
        var matcher = BEARER.matcher(authorization);
        if (authorization.length() > MAX_TOKEN_LENGTH || !matcher.matches()) {
            return Uni.createFrom().failure(unauthorized(ProblemCode.INVALID_TOKEN,
                    "The Authorization header must be 'Bearer <token>' with a signed JWT.", true));
        }
        String token = matcher.group(1);
        Uni<Verified> verified = Uni.createFrom().item(() -> parse(token));
        // Fetching a remote JWKS (the first time, and on refresh) is blocking I/O that must not run on the event
        // loop; with a local key, verifying is a short computation and stays where it is.
        return remoteKeys ? verified.runSubscriptionOn(Infrastructure.getDefaultWorkerPool()) : verified;
    }

    /** The client id an Authorization header's token claims, unverified, to count a failed attempt against it. */
    public static Optional<String> claimedSubject(String authorization) {
        if (authorization == null || authorization.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        var matcher = BEARER.matcher(authorization);
        return matcher.matches() ? TokenClaims.claimedSubject(matcher.group(1)) : Optional.empty();
    }

    private Verified parse(String token) {
        JsonNode payload = TokenClaims.payload(token);
        String refused = payload == null ? "The bearer token's payload must be a JSON object."
                : TokenClaims.problem(payload, Instant.now().getEpochSecond(), auth.maxTokenLifetime(), clockSkew);
        if (refused != null) {
            Log.debugf("Refused a bearer token: %s", refused);
            throw unauthorized(ProblemCode.INVALID_TOKEN, refused, true);
        }
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ClassCastException e) {
            // smallrye-jwt's principal utilities cast claim values (groups, sub) without checking their type;
            // TokenClaims catches the shapes known to do this, this any other.
            Log.debugf("Refused a bearer token with a claim of an unexpected type: %s", e.getMessage());
            throw unauthorized(ProblemCode.INVALID_TOKEN, "The bearer token has a claim of the wrong type.", true);
        } catch (ParseException e) {
            boolean expired = e.getCause() instanceof InvalidJwtException invalid && invalid.hasExpired();
            Log.debugf("Refused a bearer token: %s", e.getMessage());
            throw unauthorized(ProblemCode.INVALID_TOKEN, expired ? "The bearer token has expired."
                    : "The bearer token is not valid: it must be signed (RS256) by the configured issuer, and be "
                            + "current.",
                    true);
        }
        String subject = jwt.getSubject();
        if (!ClientIds.isValid(subject)) {
            throw unauthorized(ProblemCode.INVALID_TOKEN, "The bearer token's subject (sub) must be a client id: 1 to "
                    + ClientIds.MAX_LENGTH + " letters, digits, '.', '_', '@' or '-'.", true);
        }
        return new Verified(subject, jwt.getGroups() != null && jwt.getGroups().contains(auth.adminRole()));
    }

    /** A verified token: its subject and whether it holds the admin role. */
    public record Verified(String subject, boolean admin) {}

    private static ProblemException unauthorized(ProblemCode code, String detail, boolean invalid) {
        return new ProblemException(code, detail, Map.of(),
                Map.of("WWW-Authenticate", invalid ? CHALLENGE + ", error=\"invalid_token\"" : CHALLENGE));
    }
}
