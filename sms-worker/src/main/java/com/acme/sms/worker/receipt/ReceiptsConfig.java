package com.acme.sms.worker.receipt;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the workers apply delivery receipts to PostgreSQL. */
@ConfigMapping(prefix = "sms.receipts")
public interface ReceiptsConfig {

    /**
     * How old a message may be (from its queued_at) for a receipt to find it. Receipts are looked up by the
     * provider's id, which says nothing of the day: the lookup reads one partition per day of this window (V10)
     * rather than every day kept. A week of validity plus a week an SMSC may take to report.
     */
    @WithDefault("14d")
    Duration matchWindow();

    /** Receipts applied in one PostgreSQL transaction. */
    @WithDefault("1000")
    int batchSize();

    /** How long a receipt whose message is not found is kept and tried again (its message may not be saved yet). */
    @WithDefault("1h")
    Duration unmatchedRetention();

    /**
     * How often the unmatched receipts that are due are tried again, and the shortest wait between two tries of one
     * (then about as long as it has waited; see UnmatchedReceipts).
     */
    @WithDefault("5s")
    Duration unmatchedRetry();

    /**
     * Longest a batch's PostgreSQL statements may take before they are cancelled and the batch is tried again, in
     * smaller pieces. Receipts move no money, so they may wait longer than a batch of sends.
     */
    @WithDefault("30s")
    Duration statementTimeout();

    /**
     * Which worker processes apply receipts: {@code auto} (those of the normal queue, which run at a lower CPU
     * priority, so the express queue keeps the CPU for its SLA), {@code true} (every worker), {@code false} (this
     * one does not). At least one worker process must apply them, or they wait in {@code sms:receipts}.
     */
    @WithDefault("auto")
    String apply();

    /** A receipt read by an applier that has not finished it for this long is taken over (the applier died). */
    @WithDefault("60s")
    Duration reclaimIdle();

    /**
     * Receipts applied per second at most while this worker's queue has a backlog (more messages wait than its
     * consumers take in four reads; see SendBacklog); 0 = no limit. Sending goes first: on a busy box every receipt applied is CPU a
     * message waiting to be sent does not get, and a receipt may come late without harm. The receipts wait in
     * {@code sms:receipts} and are applied at full speed once the backlog is gone. 100, not more: under bench/run e2e
     * with two normal workers, 1,000 a second each cost a quarter of what was sent (14,054 msg/s against 19,578 with
     * almost none applied).
     */
    @WithDefault("100")
    int backlogRate();
}
