package com.acme.sms.api.security;

import com.acme.sms.api.config.AuthConfig;
import com.acme.sms.api.error.ProblemCode;
import com.acme.sms.api.error.ProblemException;
import com.acme.sms.api.ratelimit.RateLimiter;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.MultivaluedMap;
import java.util.Optional;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * The one door of every endpoint, run before it: refuses hostile headers and query strings, establishes who is
 * calling (by the mode, see {@link AuthConfig}), enforces the admin and credit rules, throttles failed
 * authentication ({@link AuthThrottle}), and counts the request against the caller's rate limit. Endpoints read
 * the result from {@link Callers}; nothing after this reads identity from the request.
 */
public class CallerFilter {

    static final String ATTRIBUTE = Caller.class.getName();
    static final String ADMIN_KEY_HEADER = AdminGuard.HEADER;
    /** The caller that failed attempts at the admin key count against; never a client id (ids have no '#'). */
    static final String ADMIN_KEY_CALLER = "#admin-key";

    private final AuthConfig auth;
    private final TokenVerifier tokens;
    private final AdminGuard adminGuard;
    private final RateLimiter rateLimiter;
    private final CurrentVertxRequest currentRequest;
    private final AuthThrottle throttle;

    public CallerFilter(AuthConfig auth, TokenVerifier tokens, AdminGuard adminGuard, RateLimiter rateLimiter,
            CurrentVertxRequest currentRequest, AuthThrottle throttle) {
        this.auth = auth;
        this.tokens = tokens;
        this.adminGuard = adminGuard;
        this.rateLimiter = rateLimiter;
        this.currentRequest = currentRequest;
        this.throttle = throttle;
    }

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Uni<Void> identify(ContainerRequestContext request, ResourceInfo resource) {
        ProblemException broken = RequestRules.checkHeaders(request.getHeaders());
        if (broken == null) {
            broken = checkQuery(request);
        }
        if (broken != null) {
            return Uni.createFrom().failure(broken);
        }
        boolean adminOnly = resource.getResourceClass().isAnnotationPresent(AdminOnly.class);
        boolean browser = resource.getResourceClass().isAnnotationPresent(BasicLogin.class);
        boolean addsCredit = resource.getResourceMethod() != null
                && resource.getResourceMethod().isAnnotationPresent(AddsCredit.class);
        // Taken now, on the request's own thread: the token check may complete on another one.
        RoutingContext routing = currentRequest.getCurrent();
        String address = sourceAddress(routing);
        ProblemException blocked = throttle.blocked(address);
        if (blocked != null) {
            return Uni.createFrom().failure(blocked);
        }
        Uni<Caller> caller;
        try {
            caller = auth.mode() == AuthConfig.Mode.JWT
                    ? fromToken(request, adminOnly, addsCredit)
                    : Uni.createFrom().item(fromHeaders(request, adminOnly));
        } catch (ProblemException refused) {
            caller = Uni.createFrom().failure(refused);
        }
        caller = caller.onFailure(ProblemException.class).recoverWithUni(refused -> {
            ProblemException problem = (ProblemException) refused;
            Optional<String> claimed = browser && presentsNothing(request) ? null : failedAuthentication(problem, request);
            return claimed == null ? Uni.createFrom().failure(problem)
                    : throttle.failed(problem, address, claimed).replaceWith((Caller) null);
        });
        if (browser) {
            caller = caller.onFailure(ProblemException.class)
                    .transform(refused -> BasicCredentials.challenge((ProblemException) refused));
        }
        return caller.flatMap(c -> {
            routing.put(ATTRIBUTE, c);
            // Admin endpoints are not limited: an operator must be able to act while clients are throttled.
            return adminOnly ? Uni.createFrom().voidItem() : rateLimiter.admitRequest(c.actor());
        });
    }

    /**
     * For a refusal that is a failed authentication (a wrong or missing admin key in header mode, an invalid token),
     * the caller it claimed to be, if any; null for any other refusal. A missing token guesses nothing, and a valid
     * token refused the admin role proved who it is.
     */
    private Optional<String> failedAuthentication(ProblemException problem, ContainerRequestContext request) {
        if (problem.problemCode() == ProblemCode.INVALID_TOKEN) {
            return TokenVerifier.claimedSubject(request.getHeaderString(Caller.AUTHORIZATION_HEADER));
        }
        if (problem.problemCode() == ProblemCode.NOT_ADMIN && auth.mode() == AuthConfig.Mode.HEADER) {
            return Optional.of(ADMIN_KEY_CALLER);
        }
        return null;
    }

    /**
     * A request with no credential at all: a browser sends one before every login (it waits for the challenge), so on
     * the dashboard it is no guess and is not counted as a failed authentication.
     */
    private static boolean presentsNothing(ContainerRequestContext request) {
        return request.getHeaderString(Caller.AUTHORIZATION_HEADER) == null
                && request.getHeaderString(ADMIN_KEY_HEADER) == null;
    }

    /** The client's address as the server saw it, or as a trusted proxy forwarded it (quarkus.http.proxy.*). */
    private static String sourceAddress(RoutingContext routing) {
        SocketAddress remote = routing == null ? null : routing.request().remoteAddress();
        String host = remote == null ? null : remote.hostAddress();
        return host == null || host.isEmpty() ? "unknown" : host;
    }

    private static ProblemException checkQuery(ContainerRequestContext request) {
        MultivaluedMap<String, String> parameters;
        try {
            parameters = request.getUriInfo().getQueryParameters();
        } catch (IllegalArgumentException badEncoding) {
            return new ProblemException(ProblemCode.INVALID_PARAMETER, "The query string is not validly percent-encoded.");
        }
        return RequestRules.checkQuery(request.getUriInfo().getRequestUri().getRawQuery(), parameters);
    }

    /** Header mode, trusting the caller as docs/specification.md describes: X-Client-ID names the client, X-Admin-Key opens the admin endpoints. */
    private Caller fromHeaders(ContainerRequestContext request, boolean adminOnly) {
        if (adminOnly) {
            String key = request.getHeaderString(ADMIN_KEY_HEADER);
            if (key == null) {
                key = BasicCredentials.password(request.getHeaderString(Caller.AUTHORIZATION_HEADER));
            }
            return new Caller(null, adminGuard.requireKey(key), true);
        }
        String clientId = Caller.clientId(request.getHeaderString(Caller.CLIENT_HEADER));
        return new Caller(clientId, clientId, false);
    }

    /**
     * Jwt mode: the token's subject is the caller, whatever the headers say. X-Client-ID may repeat the subject
     * (clients written for header mode keep working) but never names another client, except for an admin adding
     * credit, where it names the client to credit.
     */
    private Uni<Caller> fromToken(ContainerRequestContext request, boolean adminOnly, boolean addsCredit) {
        String clientHeader = request.getHeaderString(Caller.CLIENT_HEADER);
        String authorization = request.getHeaderString(Caller.AUTHORIZATION_HEADER);
        String basicPassword = adminOnly ? BasicCredentials.password(authorization) : null;
        if (basicPassword != null) {
            // An admin token given as a Basic password (a browser on the dashboard).
            authorization = "Bearer " + basicPassword;
        }
        return tokens.verify(authorization).map(token -> {
            if (adminOnly) {
                if (!token.admin()) {
                    throw AdminGuard.notAdmin("This endpoint needs a token with the admin role.");
                }
                return new Caller(null, token.subject(), true);
            }
            if (addsCredit) {
                if (!token.admin()) {
                    throw AdminGuard.notAdmin("Adding credit is an admin act: a client's token can never add credit, "
                            + "not even to its own account.");
                }
                return new Caller(Caller.clientId(clientHeader), token.subject(), true);
            }
            if (clientHeader != null && !clientHeader.equals(token.subject())) {
                throw new ProblemException(ProblemCode.CLIENT_MISMATCH,
                        "The " + Caller.CLIENT_HEADER + " header names another client than the bearer token; "
                                + "omit it or send the token's own client id.");
            }
            return new Caller(token.subject(), token.subject(), token.admin());
        });
    }
}
