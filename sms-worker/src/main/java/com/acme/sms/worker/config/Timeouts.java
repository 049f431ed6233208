package com.acme.sms.worker.config;

import java.time.Duration;

/** How long the worker waits for its stores and the provider before treating a call as failed. */
public final class Timeouts {

    /** A Redis script or command; far above any real latency, so only an outage hits it. */
    public static final Duration REDIS = Duration.ofSeconds(30);

    /** One batch sent to the provider; without an answer the batch stays pending and is taken over later. */
    public static final Duration PROVIDER = Duration.ofSeconds(60);

    private Timeouts() {}
}
