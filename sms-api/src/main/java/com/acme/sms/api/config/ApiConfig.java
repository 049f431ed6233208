package com.acme.sms.api.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "sms.api")
public interface ApiConfig {

    /** Most messages one bulk request may carry; larger requests get 400 and change nothing. */
    @WithDefault("1000")
    int maxMessagesPerRequest();

    /** Validity of express messages when the request names none, and the most a request may ask for. */
    @WithDefault("5m")
    java.time.Duration expressValidity();

    /** How long a bulk request's Idempotency-Key is remembered. */
    @WithDefault("24h")
    java.time.Duration idempotencyTtl();

    /** Key that opens the /api/admin endpoints (X-Admin-Key); unset: they are closed. */
    java.util.Optional<String> adminKey();

    /**
     * How long a sent-log page (and its total) is served from memory before PostgreSQL is asked again: the specification's
     * "cache message reports". A dashboard polling the log costs one query per period; a message that reached its
     * final state shows up at most this much later. 0 turns the cache off.
     */
    @WithDefault("2s")
    java.time.Duration sentLogCacheTtl();

    /** Most sent-log pages kept in memory (a full page of 100 messages is about 60 KB). */
    @WithDefault("2000")
    int sentLogCacheSize();

    /** Most credit one increase may add. */
    @WithDefault("10000000")
    long maxCreditIncrease();
}
