package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.redis.RedisKeys;
import com.acme.sms.worker.config.Timeouts;
import com.acme.sms.worker.config.WorkerConfig;
import com.acme.sms.worker.finish.FinishStep;
import com.acme.sms.worker.persist.MessageStore;
import com.acme.sms.worker.persist.PersistStep;
import com.acme.sms.worker.refund.RefundStep;
import com.acme.sms.worker.retry.RetryPolicy;
import com.acme.sms.worker.send.SendStep;
import io.quarkus.logging.Log;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    /**
     * How long marks set in parallel with the PostgreSQL lookup may stand waiting for it, and how old a clock read in
     * parallel with it may be. A normal lookup takes a few milliseconds.
     */
    static final Duration MARK_LEAD = Duration.ofMillis(500);

    /** Withdraws marks whose lookup is late; its tasks only start Redis calls, they never block. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "handed-marks-guard");
        t.setDaemon(true);
        return t;
    });

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
        this.decision = new DeliveryDecision(config.maxDeliveries(), RetryPolicy.from(config),
                config.poisonPrefix().filter(p -> !p.isEmpty()).orElse(null));
        this.metrics = metrics;
        this.config = config;
        this.faults = faults;
    }

    /** Whether the provider can take messages now; consumers do not read while it cannot. */
    public boolean canSend() {
        return send.provider().ready();
    }

    /**
     * Processes the entries and acknowledges them: {@link #prepare} then {@link #complete}.
     *
     * @param mayHaveBeenSeen true for reclaimed entries, which an earlier consumer may have partly processed
     * @param keepTrying asked between attempts to write PostgreSQL; when it turns false, the batch is abandoned
     *     unacknowledged (it stays pending and is reclaimed later), so nothing is ever acknowledged early
     */
    public void process(MessageType type, List<StreamEntry> entries, boolean mayHaveBeenSeen, String worker,
            BooleanSupplier keepTrying) throws InterruptedException {
        complete(prepare(type, entries, mayHaveBeenSeen, worker, keepTrying), keepTrying);
    }

    /**
     * A batch decided and not yet sent. A consumer may prepare its next batch while it completes the current one;
     * the batch is kept (heartbeat) from here on, and whatever happens it must be {@link #complete completed} or
     * {@link #close closed}.
     */
    public final class Prepared implements AutoCloseable {
        private final MessageType type;
        private final Batch batch;
        private final String worker;
        private final BatchHeartbeat.Beat beat;
        private final Decided decided;

        private Prepared(MessageType type, Batch batch, String worker, BatchHeartbeat.Beat beat, Decided decided) {
            this.type = type;
            this.batch = batch;
            this.worker = worker;
            this.beat = beat;
            this.decided = decided;
        }

        /** How many stream entries the batch holds. */
        public int size() {
            return batch.entryIds().size();
        }

        /** Stops keeping the batch without completing it: it stays pending, and its marks are withdrawn if they may. */
        @Override
        public void close() {
            try {
                if (decided.guard() != null && decided.guard().claim()) {
                    withdrawQuietly(type, decided.guard().marking(), worker);
                }
            } finally {
                beat.close();
            }
        }
    }

    /** Decodes the entries, starts keeping them, and decides what to send (marking it handed, see below). */
    public Prepared prepare(MessageType type, List<StreamEntry> entries, boolean mayHaveBeenSeen, String worker,
            BooleanSupplier keepTrying) throws InterruptedException {
        faults.reached(FaultInjection.AFTER_READ);
        Batch batch = Batch.decode(type, entries, mayHaveBeenSeen);
        for (Batch.Malformed bad : batch.malformed()) {
            Log.errorf("Entry %s of %s is malformed (%s); moving it to the dead letters", bad.entry().entryId(),
                    RedisKeys.stream(type), bad.problem());
        }
        // While this consumer works on the batch, it keeps it: a slow batch is not taken over (see BatchHeartbeat).
        BatchHeartbeat.Beat beat = heartbeat.start(type, worker, batch.entryIds());
        try {
            List<UUID> ids = ids(batch);
            Decided d = mayHaveBeenSeen ? decideCarefully(type, batch, ids, worker, keepTrying, null)
                    : decideFirstDelivery(type, batch, worker, keepTrying);
            return new Prepared(type, batch, worker, beat, d);
        } catch (InterruptedException | RuntimeException | Error e) {
            beat.close();
            throw e;
        }
    }

    /** Sends what was decided, records the outcomes, refunds, and acknowledges the batch. */
    public void complete(Prepared prepared, BooleanSupplier keepTrying) throws InterruptedException {
        try (BatchHeartbeat.Beat beat = prepared.beat) {
            MessageType type = prepared.type;
            Batch batch = prepared.batch;
            String worker = prepared.worker;
            Decided d = prepared.decided;
            if (!d.mayStillSend()) {
                // The marks stood too long, or a message ran out of validity meanwhile: they are withdrawn; decide
                // again the careful way.
                d = decideCarefully(type, batch, ids(batch), worker, keepTrying, null);
            }
            run(type, batch, worker, keepTrying, d);
        }
    }

    private static List<UUID> ids(Batch batch) {
        return batch.work().stream().map(w -> w.message().id()).toList();
    }

    /**
     * What was decided before the send, and which messages this consumer marked as handed and may send.
     *
     * @param guard for marks set ahead of the decision (a first delivery), else null
     */
    private record Decided(DeliveryDecision.Plan plan, Map<UUID, MessageStore.Saved> saved, Set<UUID> mine,
            MarkGuard guard) {

        /**
         * Whether the send may go ahead under the marks: always for marks set right before it; for marks set ahead,
         * only if they are still fresh (not withdrawn by their timer) and no message to send has run out of
         * validity since Redis' clock was read (the clock has moved on by the time elapsed here). Otherwise the marks
         * are withdrawn before this returns false.
         */
        boolean mayStillSend() {
            if (guard == null) {
                return true;
            }
            long now = plan.nowMillis() + (System.nanoTime() - guard.markedAtNanos()) / 1_000_000;
            boolean expired = plan.toSend().stream().anyMatch(m -> mine.contains(m.id()) && m.expiredAt(now));
            if (!expired && guard.claim()) {
                guard.timeout().cancel(false);
                return true;
            }
            if (guard.claim()) {
                guard.withdrawNow();
            } else {
                guard.awaitWithdrawal();
            }
            return false;
        }
    }

    /**
     * The marks set ahead of a decision: whoever claims them first owns them, the send (which then goes ahead under
     * them) or the timer (which withdraws them after {@link #MARK_LEAD}). Never both.
     */
    private record MarkGuard(CompletableFuture<HandedRecords.Handed> marking, long markedAtNanos, AtomicBoolean claimed,
            CompletableFuture<Void> withdrawal, ScheduledFuture<?> timeout, Runnable withdrawer) {

        boolean claim() {
            return claimed.compareAndSet(false, true);
        }

        void withdrawNow() {
            timeout.cancel(false);
            withdrawer.run();
            awaitWithdrawal();
        }

        void awaitWithdrawal() {
            try {
                withdrawal.get(Timeouts.REDIS.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while withdrawing handed records", e);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // The batch stays pending; a taker may find the records and presume the messages sent.
                throw new IllegalStateException("could not withdraw the handed records of a batch", e);
            }
        }
    }

    private void run(MessageType type, Batch batch, String worker, BooleanSupplier keepTrying, Decided d)
            throws InterruptedException {
        List<UUID> ids = ids(batch);
        DeliveryDecision.Plan plan = d.plan();
        Map<UUID, MessageStore.Saved> saved = d.saved();
        Set<UUID> mine = d.mine();
        long now = plan.nowMillis(); // Redis' clock, the one that stamped validity and orders the retry schedule
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

    /**
     * A first delivery (read as new): no earlier delivery can have handed these messages, since a record is only
     * written for an entry already delivered, and Redis keeps its writes in order even when it loses the last ones.
     * So the messages are marked right away, in parallel with the PostgreSQL lookup (the two were a fifth of a
     * batch's time one after the other), and the mark's script judges expiry with the same clock the decision
     * then uses, so exactly the messages decided for sending are marked. A message marked whose row turns up
     * in PostgreSQL is not sent (a row comes before a record in the decision), and the acknowledgement removes
     * its record.
     *
     * <p>The marks must not stand long before the send, though: a consumer that dies while they stand leaves
     * messages a taker presumes sent. Unless the send claims them within {@link #MARK_LEAD} of the marking
     * (PostgreSQL slow or away, a batch prepared ahead waiting for a slow one), a timer withdraws them, and the
     * batch is decided again the careful way (see {@link Decided#mayStillSend}).
     */
    private Decided decideFirstDelivery(MessageType type, Batch batch, String worker, BooleanSupplier keepTrying)
            throws InterruptedException {
        long markedAt = System.nanoTime();
        CompletableFuture<HandedRecords.Handed> marking = handed.handAsync(type, worker, batch.work(), true);
        AtomicBoolean claimed = new AtomicBoolean();
        CompletableFuture<Void> withdrawal = new CompletableFuture<>();
        Runnable withdrawer = () -> withdraw(type, marking).whenComplete((ok, failure) -> {
            if (failure == null) {
                withdrawal.complete(null);
            } else {
                withdrawal.completeExceptionally(failure);
            }
        });
        ScheduledFuture<?> timeout = timer.schedule(() -> {
            if (claimed.compareAndSet(false, true)) {
                withdrawer.run();
            }
        }, MARK_LEAD.toMillis(), TimeUnit.MILLISECONDS);
        MarkGuard guard = new MarkGuard(marking, markedAt, claimed, withdrawal, timeout, withdrawer);
        Map<UUID, MessageStore.Saved> saved;
        HandedRecords.Handed marked;
        try {
            saved = persist.saved(batch.toLookUp(), keepTrying);
            marked = handed.await(marking);
        } catch (InterruptedException | RuntimeException e) {
            timeout.cancel(false);
            if (guard.claim()) {
                withdrawQuietly(type, marking, worker);
            }
            throw e;
        }
        DeliveryDecision.Plan plan = decision.triage(batch, saved, Map.of(), marked.nowMillis());
        return new Decided(plan, saved, marked.marked(), guard);
    }

    private CompletableFuture<Void> withdraw(MessageType type, CompletableFuture<HandedRecords.Handed> marking) {
        return marking.thenCompose(h -> handed.unhandAsync(type, h.marked()));
    }

    /** Withdraws the marks of a batch given up before its send; a failure leaves them to the acknowledgement. */
    private void withdrawQuietly(MessageType type, CompletableFuture<HandedRecords.Handed> marking, String worker) {
        try {
            handed.await(withdraw(type, marking));
        } catch (RuntimeException e) {
            Log.warnf("Consumer %s could not remove the handed records of a batch it gave up (%s)", worker,
                    e.getMessage());
        }
    }

    /**
     * A delivery that may follow an earlier one (a takeover): read the records an earlier delivery left, with
     * Redis' clock, decide, and only then mark what is to be sent.
     *
     * @param saved the PostgreSQL lookup if already made, else null
     */
    private Decided decideCarefully(MessageType type, Batch batch, List<UUID> ids, String worker,
            BooleanSupplier keepTrying, Map<UUID, MessageStore.Saved> saved) throws InterruptedException {
        // The Redis read runs while PostgreSQL is asked: neither needs the other. Its clock must not be older than
        // the lookup, though: if the lookup had to wait (PostgreSQL away), read again, so that expiry is judged
        // against the time of the send, not of the read.
        long start = System.nanoTime();
        CompletableFuture<HandedRecords.Snapshot> reading = handed.readAsync(type, ids);
        if (saved == null) {
            saved = persist.saved(batch.toLookUp(), keepTrying);
        }
        HandedRecords.Snapshot before = System.nanoTime() - start > MARK_LEAD.toNanos() ? handed.read(type, ids)
                : handed.await(reading);
        DeliveryDecision.Plan plan = decision.triage(batch, saved, before.handed(), before.nowMillis());
        // Marked as handed before the send, only for entries still this consumer's: those taken over meanwhile are
        // left to their new owner (not sent, not acknowledged here).
        Set<UUID> mine = handed.hand(type, worker, plan.worksToSend()).marked();
        return new Decided(plan, saved, mine, null);
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
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
