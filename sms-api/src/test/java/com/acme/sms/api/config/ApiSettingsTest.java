package com.acme.sms.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up check: settings under which a promise can not be kept are refused, each with a clear sentence. */
class ApiSettingsTest {

    @Test
    void theDefaultsAreFine() {
        assertThat(ApiSettings.problems(config(Map.of()))).isEmpty();
    }

    @Test
    void anIdempotencyRecordUnderOneSecondIsRefused() {
        assertThat(ApiSettings.problems(config(Map.of("sms.api.idempotency-ttl", "500ms", "sms.api.store-timeout", "1s"))))
                .anySatisfy(p -> assertThat(p).startsWith("sms.api.idempotency-ttl is PT0.5S but must be at least 1s"));
    }

    @Test
    void aStoreTimeoutUnderOneSecondOrNotShorterThanTheIdempotencyRecordIsRefused() {
        assertThat(ApiSettings.problems(config(Map.of("sms.api.store-timeout", "200ms"))))
                .singleElement().asString().contains("sms.api.store-timeout", "at least 1s");
        assertThat(ApiSettings.problems(config(Map.of("sms.api.store-timeout", "10s", "sms.api.idempotency-ttl", "5s"))))
                .singleElement().asString().contains("shorter than sms.api.idempotency-ttl");
    }

    @Test
    void impossibleLimitsAreRefusedTogether() {
        assertThat(ApiSettings.problems(config(Map.of("sms.api.express-validity", "0s",
                "sms.api.max-messages-per-request", "0", "sms.api.max-credit-increase", "0"))))
                .hasSize(3).anySatisfy(p -> assertThat(p).contains("sms.api.express-validity"))
                .anySatisfy(p -> assertThat(p).contains("sms.api.max-messages-per-request"))
                .anySatisfy(p -> assertThat(p).contains("sms.api.max-credit-increase"));
    }

    @Test
    void aCursorSecretUnderSixteenCharactersIsRefused() {
        assertThat(ApiSettings.problems(config(Map.of("sms.api.cursor-secret", "short"))))
                .singleElement().asString().startsWith("sms.api.cursor-secret is 5 characters but must be at least 16");
        assertThat(ApiSettings.problems(config(Map.of("sms.api.cursor-secret", "sixteen chars ok")))).isEmpty();
    }

    @Test
    void exportsMayBeTurnedOffButNotGivenANegativeBoundOrASubSecondStatementTimeout() {
        assertThat(ApiSettings.problems(config(Map.of("sms.api.max-exports", "0")))).isEmpty();
        assertThat(ApiSettings.problems(config(Map.of("sms.api.max-exports", "-1",
                "sms.api.export-statement-timeout", "500ms"))))
                .hasSize(2).anySatisfy(p -> assertThat(p).startsWith("sms.api.max-exports is -1"))
                .anySatisfy(p -> assertThat(p).startsWith("sms.api.export-statement-timeout is PT0.5S"));
    }

    private static ApiConfig config(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(ApiConfig.class)
                .withConverter(Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(properties, "test", 500))
                .build();
        return config.getConfigMapping(ApiConfig.class);
    }
}
