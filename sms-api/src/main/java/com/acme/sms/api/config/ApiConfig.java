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

    /**
     * How long a bulk request's Idempotency-Key is remembered (at least one second, checked at start: Redis keeps the
     * record by the millisecond, and a shorter life would let a retry be charged again almost at once).
     */
    @WithDefault("24h")
    java.time.Duration idempotencyTtl();

    /** Key that opens the /api/admin endpoints (X-Admin-Key); unset: they are closed. */
    java.util.Optional<String> adminKey();

    /**
     * Key that signs the sent-log's cursors (HMAC-SHA256), at least 16 characters; every API instance behind one
     * address needs the same. Unset: derived from {@link #adminKey()} when there is one (instances sharing the admin
     * key share it), else a random key of this process, under which another instance, or this one after a restart,
     * answers a cursor with 400 invalid-cursor.
     */
    java.util.Optional<String> cursorSecret();

    /**
     * How long a sent-log page (and its total) is served from memory before PostgreSQL is asked again: the specification's
     * "cache message reports". A dashboard polling the log costs one query per period; a message that reached its
     * final state shows up at most this much later. 0 turns the cache off.
     */
    @WithDefault("2s")
    java.time.Duration sentLogCacheTtl();

    /**
     * Most heap the cached sent-log pages may hold, as estimated from their text (2 bytes a character): a page of 20
     * short messages takes about 12 KB, the largest possible page (100 messages of 1,600 emoji) about 680 KB.
     * Bounded in bytes, not pages, so that no pattern of reads can make the cache outgrow it. 0 turns the cache off.
     */
    @WithDefault("16M")
    io.quarkus.runtime.configuration.MemorySize sentLogCacheMaxBytes();

    /**
     * Most sent-log reads one client may have in flight on one API instance; one more is refused at once with 429
     * and Retry-After (issue 16: a page is up to 0.65 MB of JSON to build, and a client asking for many at once took
     * the CPU from the others). 0: no bound.
     */
    @WithDefault("2")
    int sentLogReadsInFlight();

    /**
     * Most bytes of sent-log pages one client may read per second from one API instance, with two seconds' worth at
     * once; while it has read more, its reads get 429 with Retry-After (issue 16: a client reading its largest pages
     * without pause kept most of a core busy). 1 MB a second is about 30 pages of 100 short messages. 0: no bound.
     */
    @WithDefault("1M")
    io.quarkus.runtime.configuration.MemorySize sentLogBytesPerSecond();

    /**
     * Most message exports streaming at once on one API instance (one client has at most one at a time); one more is
     * refused at once with 429 and Retry-After. An export holds a PostgreSQL connection from its first row to its last,
     * which at a slow reader can be minutes: the bound keeps most of the pool ({@code quarkus.datasource.jdbc.max-size})
     * for everything else. 0 turns exports off.
     */
    @WithDefault("4")
    int maxExports();

    /**
     * The longest PostgreSQL may take for one batch of an export's rows (1,000; the first also plans the walk). Not for
     * the whole export, which streams for as long as there are rows and the client reads them.
     */
    @WithDefault("30s")
    java.time.Duration exportStatementTimeout();

    /** Most credit one increase may add. */
    @WithDefault("10000000")
    long maxCreditIncrease();

    /**
     * The longest a request waits for one answer from Redis or PostgreSQL (at least one second, checked at start).
     * Beyond it the request fails with 503 and Retry-After, having changed nothing, so that a store that stops
     * answering never holds the API's threads, connections and memory (docs/adr/0010).
     */
    @WithDefault("2s")
    java.time.Duration storeTimeout();
}
