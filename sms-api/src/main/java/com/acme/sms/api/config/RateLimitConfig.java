package com.acme.sms.api.config;

import com.acme.sms.message.MessageType;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.PositiveOrZero;

/**
 * Per-client limits, each counted in fixed one-second windows in Redis, shared by all API instances; 0 turns a
 * limit off. The defaults are far above what one client of the benchmark sends (about 1000 requests/s), so
 * they only stop runaway or hostile clients.
 */
@ConfigMapping(prefix = "sms.rate-limit")
public interface RateLimitConfig {

    /** Requests per second to every /api endpoint but the admin ones. */
    @WithDefault("2000")
    @PositiveOrZero
    long requestsPerSecond();

    /** Normal messages queued per second. */
    @WithDefault("50000")
    @PositiveOrZero
    long normalMessagesPerSecond();

    /** Express messages queued per second. */
    @WithDefault("10000")
    @PositiveOrZero
    long expressMessagesPerSecond();

    default long messagesPerSecond(MessageType type) {
        return type == MessageType.EXPRESS ? expressMessagesPerSecond() : normalMessagesPerSecond();
    }
}
