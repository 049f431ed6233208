package com.acme.sms.worker.retry;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.worker.config.Timeouts;
import com.acme.sms.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Periodic task: retries whose backoff is over go from the schedule ({@code sms:retry:<type>}) back into the
 * stream, where any consumer reads them as the next attempt. The script moves each retry once however many
 * processes run it at the same time, so it needs no cluster-wide lock.
 */
@ApplicationScoped
public class DueRetryPromotion {

    /** How late a due retry may go back into the stream, at most. */
    public static final Duration INTERVAL = Duration.ofMillis(250);

    /** Rounds per run when retries fall due faster than one round moves them; the next run continues. */
    static final int MAX_ROUNDS = 10;

    private final QueueScripts queue;
    private final WorkerConfig config;

    public DueRetryPromotion(QueueScripts queue, WorkerConfig config) {
        this.queue = queue;
        this.config = config;
    }

    /** Moves the due retries of the type into its stream; returns how many were moved. */
    public int promote(MessageType type) {
        int moved = 0;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int now = queue.moveDueRetries(type, config.batchSize()).await().atMost(Timeouts.REDIS);
            moved += now;
            if (now < config.batchSize()) {
                break;
            }
        }
        return moved;
    }
}
