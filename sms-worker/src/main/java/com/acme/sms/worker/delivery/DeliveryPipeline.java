package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.finish.FinishStep;
import com.acme.sms.worker.persist.MessageStore;
import com.acme.sms.worker.persist.PersistStep;
import com.acme.sms.worker.refund.RefundStep;
import com.acme.sms.worker.retry.RetryPolicy;
import com.acme.sms.worker.send.SendStep;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Takes one batch of stream entries to their end, in an order that survives a crash at any step:
 * record the messages as handed to the provider and send, then write PostgreSQL, then refund failures in Redis, then schedule retries, dead-letter and acknowledge
 * (one script). A crash before the acknowledgement leaves the entries pending; whoever gets them next finds the
 * rows already written (or the messages recorded as handed, presumed sent), does not send again, and repeats only what is idempotent: the refund (once per message
 * id), the retry schedule (a set member per message and attempt) and the finish (a dead letter only for an entry
 * it acknowledges). What to do is decided by {@link DeliveryDecision}, which touches nothing; this class only reads
 * its inputs and carries out its answers, one named step each.
 */
@ApplicationScoped
public class DeliveryPipeline {

    private final SendStep send;
    private final PersistStep persist;
    private final RefundStep refund;
    private final FinishStep finish;
    private final DeliveryDecision decision;
    private final WorkerMetrics metrics;
    private final WorkerConfig config;
    private final FaultInjection faults;
    private final HandedRecords handed;
    private final BatchHeartbeat heartbeat;

    public DeliveryPipeline(SendStep send, PersistStep persist, RefundStep refund, FinishStep finish,
            WorkerMetrics metrics, WorkerConfig config, FaultInjection faults, HandedRecords handed,
            BatchHeartbeat heartbeat) {
        this.handed = handed;
        this.heartbeat = heartbeat;
        this.send = send;
        this.persist = persist;
        this.refund = refund;
        this.finish = finish;
        this.decision = new DeliveryDecision(config.maxDeliveries(), RetryPolicy.from(config));
        this.metrics = metrics;
        this.config = config;
        this.faults = faults;
    }

    /**
     * Processes the entries and acknowledges them.
     *
     * @param mayHaveBeenSeen true for reclaimed entries, which an earlier consumer may have partly processed
     * @param keepTrying asked between attempts to write PostgreSQL; when it turns false, the batch is abandoned
     *     unacknowledged (it stays pending and is reclaimed later), so nothing is ever acknowledged early
     */
    public void process(MessageType type, List<StreamEntry> entries, boolean mayHaveBeenSeen, String worker,
            BooleanSupplier keepTrying) throws InterruptedException {
        faults.reached(FaultInjection.AFTER_READ);
        Batch batch = Batch.decode(type, entries, mayHaveBeenSeen);
        for (Batch.Malformed bad : batch.malformed()) {
            Log.errorf("Entry %s of %s is malformed (%s); moving it to the dead letters", bad.entry().entryId(),
                    RedisKeys.stream(type), bad.problem());
        }
        // While this consumer works on the batch, it keeps it: a slow batch is not taken over (see BatchHeartbeat).
        try (BatchHeartbeat.Beat beat = heartbeat.start(type, worker, batch.entryIds())) {
            run(type, batch, worker, keepTrying);
        }
    }

    private void run(MessageType type, Batch batch, String worker, BooleanSupplier keepTrying)
            throws InterruptedException {
        Map<UUID, MessageStore.Saved> saved = persist.saved(batch.toLookUp(), keepTrying);
        List<UUID> ids = batch.work().stream().map(w -> w.message().id()).toList();
        HandedRecords.Snapshot before = handed.read(type, ids);
        long now = before.nowMillis(); // Redis' clock, the one that stamped validity and orders the retry schedule
        DeliveryDecision.Plan plan = decision.triage(batch, saved, before.handed(), now);

        // Recorded as handed before the send, only for entries still this consumer's: those taken over meanwhile are
        // left to their new owner (not sent, not acknowledged here).
        Set<UUID> mine = handed.hand(type, worker, plan.worksToSend());
        List<QueuedMessage> toSend = plan.toSend().stream().filter(m -> mine.contains(m.id())).toList();
        Set<String> lostEntries = new HashSet<>();
        Set<UUID> lost = new HashSet<>();
        for (Batch.Work w : plan.worksToSend()) {
            if (!mine.contains(w.message().id())) {
                lostEntries.add(w.entry().entryId());
                lost.add(w.message().id());
            }
        }
        if (!lost.isEmpty()) {
            Log.warnf("Consumer %s: %d entries of its batch were taken over by another consumer; left to it", worker,
                    lost.size());
        }

        List<DeliveryDecision.Outcome> outcomes = new ArrayList<>(decision.unsentOutcomes(plan));
        outcomes.addAll(decision.outcomesOf(toSend, send.send(toSend), now));
        faults.reached(FaultInjection.AFTER_SEND);

        PersistStep.Persisted persisted = persist.persist(type,
                outcomes.stream().map(DeliveryDecision.Outcome::row).toList(), worker, keepTrying);
        outcomes = RefusedRows.asFailed(outcomes, persisted.refused());
        faults.reached(FaultInjection.AFTER_PERSIST);

        DeliveryDecision.Settlement settlement = decision.settle(plan, outcomes, saved, persisted.written(),
                persisted.statusWrittenElsewhere());
        int refunded = refund.refund(settlement.refundsByClient());
        faults.reached(FaultInjection.AFTER_REFUND);

        List<String> entryIds = batch.entryIds().stream().filter(e -> !lostEntries.contains(e)).toList();
        List<String> finishedMessages = ids.stream().filter(id -> !lost.contains(id)).map(UUID::toString).toList();
        QueueScripts.Finished finished = finish.finish(type, entryIds, settlement.retries(),
                RefusedRows.withDeadLetters(settlement.deadLetters(), plan, persisted.refused()), finishedMessages);
        count(type, plan, outcomes, persisted, settlement, refunded, finished, now);
    }

    /** Counts only what this batch changed: an outcome another delivery wrote first was counted there. */
    private void count(MessageType type, DeliveryDecision.Plan plan, List<DeliveryDecision.Outcome> outcomes,
            PersistStep.Persisted persisted, DeliveryDecision.Settlement settlement, int refunded,
            QueueScripts.Finished finished, long now) {
        int sent = 0;
        int failed = 0;
        int breaches = 0;
        for (DeliveryDecision.Outcome o : outcomes) {
            if (!persisted.written().contains(o.message().id())) {
                continue;
            }
            if (o.status() == MessageStatus.SENT) {
                sent++;
                Duration latency = Duration.ofMillis(now - o.message().queuedAtMillis());
                metrics.delivered(type, latency);
                if (type == MessageType.EXPRESS && latency.compareTo(config.expressSla()) > 0) {
                    breaches++;
                }
            } else if (o.status() == MessageStatus.FAILED) {
                failed++;
            }
        }
        metrics.processed(type, MessageStatus.SENT, sent);
        metrics.processed(type, MessageStatus.FAILED, failed);
        metrics.refunded(type, refunded);
        metrics.retried(type, settlement.newRetries());
        metrics.expired(type, plan.messages(Verdict.EXPIRED).size());
        metrics.slaBreached(type, breaches);
        metrics.deadLettered(type, finished.deadLettered());
    }
}
