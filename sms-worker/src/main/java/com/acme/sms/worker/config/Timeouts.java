package com.acme.sms.worker.config;

import java.time.Duration;

/** How long the worker waits for Redis (the provider's and PostgreSQL's bounds are settings) before treating a call as failed. */
public final class Timeouts {

    /** A Redis script or command; far above any real latency, so only an outage hits it. */
    public static final Duration REDIS = Duration.ofSeconds(30);

    private Timeouts() {}
}
