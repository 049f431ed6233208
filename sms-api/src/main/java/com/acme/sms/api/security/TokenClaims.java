package com.acme.sms.api.security;

import com.acme.sms.credit.ClientIds;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * The rules a token's claims must meet beyond what smallrye-jwt checks (signature, issuer, expiry, audience):
 * {@code groups} is a JSON array of strings, {@code iat} is present, not in the future beyond the clock skew, and no
 * more than the maximum lifetime before {@code exp}.
 *
 * <p>They are checked on the payload before smallrye-jwt parses it. smallrye-jwt would otherwise turn a string
 * {@code groups} into groups by splitting it on spaces ({@code "client admin"} grants admin), and fail with a
 * ClassCastException (a 500) on a number, boolean or object. Checking before the signature is verified answers a
 * forged token's shape rather than its signature, which tells a forger nothing: both are the same 401.
 */
final class TokenClaims {

    /** Duplicate members are refused, as jose4j refuses them, so that both read the same claims. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private TokenClaims() {}

    /** The payload of a compact JWS, or null when it is not a JSON object. */
    static JsonNode payload(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode payload = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return payload != null && payload.isObject() ? payload : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Why these claims are refused, for the problem's detail; null when they meet the rules.
     *
     * @param now the current time, in epoch seconds
     * @param skewSeconds how far ahead of this server's clock an issuer's clock may be
     */
    static String problem(JsonNode payload, long now, Duration maxLifetime, long skewSeconds) {
        JsonNode groups = payload.get("groups");
        if (groups != null) {
            if (!groups.isArray()) {
                return "The bearer token's groups claim must be a JSON array of strings.";
            }
            for (JsonNode group : groups) {
                if (!group.isTextual()) {
                    return "The bearer token's groups claim must be a JSON array of strings.";
                }
            }
        }
        JsonNode iat = payload.get("iat");
        JsonNode exp = payload.get("exp");
        if (iat == null || !iat.isIntegralNumber() || !iat.canConvertToLong()) {
            return "The bearer token must say when it was issued (iat, in seconds since the epoch).";
        }
        if (exp == null || !exp.isIntegralNumber() || !exp.canConvertToLong()) {
            return "The bearer token must say when it expires (exp, in seconds since the epoch).";
        }
        long issued = iat.asLong();
        if (issued > now + skewSeconds) {
            return "The bearer token's iat lies in the future: it was issued by a clock ahead of this server's by more "
                    + "than " + skewSeconds + " s.";
        }
        // Subtracted as seconds of a real clock: an exp before iat is smallrye-jwt's to refuse.
        if (exp.asLong() - issued > maxLifetime.toSeconds()) {
            return "The bearer token's lifetime (exp - iat) is longer than the " + maxLifetime.toSeconds()
                    + " s this API accepts: ask the issuer for a shorter-lived token.";
        }
        return null;
    }

    /**
     * The client id a token claims as its subject, unverified: only to count failed attempts against the caller they
     * name. Empty when the token names no valid client id.
     */
    static Optional<String> claimedSubject(String token) {
        JsonNode payload = payload(token);
        JsonNode sub = payload == null ? null : payload.get("sub");
        return sub != null && sub.isTextual() && ClientIds.isValid(sub.asText()) ? Optional.of(sub.asText())
                : Optional.empty();
    }
}
