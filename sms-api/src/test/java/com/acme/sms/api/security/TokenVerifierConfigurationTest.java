package com.acme.sms.api.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.acme.sms.api.config.AuthConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Jwt mode's start-up check: without an audience the API refuses to start, unless a local setup allows it. */
class TokenVerifierConfigurationTest {

    static final Map<String, String> JWT = Map.of("sms.auth.mode", "jwt",
            "mp.jwt.verify.publickey.location", "jwt/public.pem", "mp.jwt.verify.issuer", "sms-local");

    @Test
    void jwtModeWithoutAnAudienceRefusesToStart() {
        assertThatThrownBy(() -> verifier(JWT).checkConfiguration())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("mp.jwt.verify.audiences");
        assertThatThrownBy(() -> verifier(with(JWT, "mp.jwt.verify.audiences", " ")).checkConfiguration())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anAudienceOrALocalSetupsAllowanceLetsItStart() {
        assertThatCode(() -> verifier(with(JWT, "mp.jwt.verify.audiences", "sms-api")).checkConfiguration())
                .doesNotThrowAnyException();
        assertThatCode(() -> verifier(with(JWT, "sms.auth.allow-no-audience", "true")).checkConfiguration())
                .doesNotThrowAnyException();
        assertThatCode(() -> verifier(Map.of("sms.auth.mode", "header")).checkConfiguration())
                .doesNotThrowAnyException();
    }

    private static TokenVerifier verifier(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(AuthConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return new TokenVerifier(config.getConfigMapping(AuthConfig.class), null, config);
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> copy = new HashMap<>(base);
        copy.put(key, value);
        return copy;
    }
}
