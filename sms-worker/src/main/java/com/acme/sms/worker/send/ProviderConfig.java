package com.acme.sms.worker.send;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Which provider the workers send through, and the settings of the simulated one, so tests and users can make
 * sending slow or fail on purpose. The SMPP provider's own settings are {@code sms.provider.smpp.*}.
 */
@ConfigMapping(prefix = "sms.provider")
public interface ProviderConfig {

    /** {@code simulated} (no carrier needed) or {@code smpp} (an SMSC, see sms.provider.smpp.*). */
    @WithDefault("simulated")
    String kind();

    /**
     * Whether the simulated provider reports delivery receipts at all (false: its messages stay {@code sent}, as
     * before receipts existed; the benchmark uses it to price the receipts).
     */
    @WithDefault("true")
    boolean receipts();

    /** How long after a send the simulated provider reports the delivery receipt. */
    @WithDefault("1s")
    Duration receiptDelay();

    /** Recipients starting with this prefix get an "undelivered" receipt from the simulated provider (empty: none). */
    Optional<String> undeliveredPrefix();

    /** Time one send takes; the messages of a batch are sent concurrently, as to a real provider's API. */
    @WithDefault("10")
    long latencyMs();

    /**
     * How long the worker waits for the provider's answer to one batch. Without an answer the batch stays pending
     * and its messages count as handed to the provider (presumed sent, never sent again). Must leave room for the
     * PostgreSQL write inside {@code sms.worker.reclaim-idle} (checked at start, see TimeoutOrder).
     */
    @WithDefault("15s")
    Duration timeout();

    /** Share of sends that fail at random, 0.0 to 1.0; these failures are transient (retried). */
    @WithDefault("0.0")
    double failureRate();

    /** Recipients starting with this prefix always fail permanently, as an invalid number would (empty: none). */
    Optional<String> failPrefix();

    /** Recipients starting with this prefix always fail transiently, so every retry is used up (empty: none). */
    Optional<String> transientFailPrefix();

    /**
     * For fault tests and the fault simulator only: a file the simulated provider appends the id of every message
     * it accepted to, one per line, so a checker can count how often each message reached a handset.
     */
    Optional<String> sendLog();
}
