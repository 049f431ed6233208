package com.acme.sms.worker.delivery;

import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.queue.MessageCodec;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.worker.finish.FinishStep;
import com.acme.sms.worker.persist.MessageStore;
import com.acme.sms.worker.retry.RetryPolicy;
import com.acme.sms.worker.send.SmsProvider;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Everything the worker decides about a batch, and nothing it does: no Redis, no PostgreSQL, no clock. The
 * {@link DeliveryPipeline} reads the inputs (the entries, the rows already saved, the time, the provider's results)
 * and carries out the answers in crash-safe order. Three questions, in the order the pipeline asks them:
 * <ol>
 *   <li>{@link #triage}: before sending, what happens to each message ({@link Verdict});</li>
 *   <li>{@link #outcomesOf}: given the provider's results, the state each sent message's attempt ends in;</li>
 *   <li>{@link #settle}: given what PostgreSQL holds after the write, what to refund, retry and dead-letter.</li>
 * </ol>
 *
 * @param maxDeliveries deliveries of one entry before it is dead-lettered
 * @param poisonPrefix recipients starting with it are taken for poison at once (sms.worker.poison-prefix, for tests
 *        and demonstrations of the dead-letter path); null for none
 */
public record DeliveryDecision(int maxDeliveries, RetryPolicy retry, String poisonPrefix) {

    public DeliveryDecision(int maxDeliveries, RetryPolicy retry) {
        this(maxDeliveries, retry, null);
    }

    static final String EXPIRED = "expired: not sent within its validity period";
    static final String MALFORMED = "malformed entry";
    static final String PRESUMED_SENT = "presumed sent: handed to the provider by an earlier delivery (attempt %d)"
            + " that recorded no answer; not sent again";
    static final String NO_RESULT = "provider returned no result for this message";

    /** One message and its verdict. */
    public record Decided(Batch.Work work, Verdict verdict) {
        public QueuedMessage message() {
            return work.message();
        }
    }

    /** The verdicts of a batch, one per message, in the batch's order. */
    public record Plan(Batch batch, List<Decided> decided, long nowMillis) {

        public List<QueuedMessage> toSend() {
            return messages(Verdict.SEND);
        }

        /** The works to send, with their entries (whose ownership is checked when they are marked as handed). */
        public List<Batch.Work> worksToSend() {
            return decided.stream().filter(d -> d.verdict() == Verdict.SEND).map(Decided::work).toList();
        }

        public List<QueuedMessage> messages(Verdict verdict) {
            return decided.stream().filter(d -> d.verdict() == verdict).map(Decided::message).toList();
        }

        public Verdict verdictOf(UUID id) {
            return decided.stream().filter(d -> d.message().id().equals(id)).map(Decided::verdict).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("not in the batch: " + id));
        }
    }

    /**
     * The state one attempt of a message ends in: {@code SENT}, {@code FAILED} with the reason, or {@code QUEUED}
     * (waiting for a retry, due at {@code retryDueMillis}) with the transient error.
     */
    public record Outcome(QueuedMessage message, MessageStatus status, String error, long retryDueMillis,
            List<String> providerIds, String errorCode) {

        public Outcome(QueuedMessage message, MessageStatus status, String error, long retryDueMillis) {
            this(message, status, error, retryDueMillis, List.of(), null);
        }

        static Outcome failed(QueuedMessage m, String why) {
            return new Outcome(m, MessageStatus.FAILED, why, 0);
        }

        public MessageStore.Final row() {
            return new MessageStore.Final(message, status, error, providerIds, errorCode);
        }
    }

    /** What remains after PostgreSQL has the batch: the refunds, then the one finishing Redis script. */
    public record Settlement(Map<String, List<CreditScripts.Refund>> refundsByClient, List<FinishStep.Retry> retries,
            List<QueueScripts.DeadLetter> deadLetters, int newRetries) {}

    /**
     * Decides each message's verdict before sending.
     *
     * @param saved what PostgreSQL holds of the batch's {@link Batch#toLookUp() messages to look up}
     */
    public Plan triage(Batch batch, Map<UUID, MessageStore.Saved> saved, long nowMillis) {
        return triage(batch, saved, Map.of(), nowMillis);
    }

    /**
     * @param handed the attempt of each message an earlier delivery handed to the provider without recording an
     *     outcome (see HandedRecords)
     * @param nowMillis Redis' time: the clock that stamped the validity and that the retry schedule is read with
     */
    public Plan triage(Batch batch, Map<UUID, MessageStore.Saved> saved, Map<UUID, Integer> handed, long nowMillis) {
        List<Decided> decided = new ArrayList<>(batch.work().size());
        for (Batch.Work w : batch.work()) {
            UUID id = w.message().id();
            decided.add(new Decided(w, verdict(w, saved.get(id), handed.get(id), nowMillis)));
        }
        return new Plan(batch, List.copyOf(decided), nowMillis);
    }

    private boolean poisoned(QueuedMessage m) {
        return poisonPrefix != null && m.to() != null && m.to().startsWith(poisonPrefix);
    }

    private Verdict verdict(Batch.Work w, MessageStore.Saved before, Integer handedAttempt, long nowMillis) {
        QueuedMessage m = w.message();
        if (before != null && before.status() != MessageStatus.QUEUED) {
            return Verdict.ALREADY_FINAL;
        }
        if (before != null && before.attempts() >= m.attempt()) {
            return Verdict.RETRY_AGAIN;
        }
        // Before the delivery count: takeovers of a message that may be on a handset must not fail and refund it.
        if (handedAttempt != null && handedAttempt >= m.attempt()) {
            return Verdict.HANDED_BEFORE;
        }
        if (w.entry().deliveries() > maxDeliveries || poisoned(m)) {
            return Verdict.POISON;
        }
        if (m.expiredAt(nowMillis)) {
            return Verdict.EXPIRED;
        }
        return Verdict.SEND;
    }

    /** The outcomes of the messages not sent now: poison and expired (failed), handed before (presumed sent). */
    public List<Outcome> unsentOutcomes(Plan plan) {
        List<Outcome> outcomes = new ArrayList<>();
        for (Decided d : plan.decided()) {
            if (d.verdict() == Verdict.HANDED_BEFORE) {
                outcomes.add(new Outcome(d.message(), MessageStatus.SENT, PRESUMED_SENT.formatted(d.message().attempt()), 0));
            }
            if (d.verdict() == Verdict.POISON) {
                outcomes.add(Outcome.failed(d.message(), poisoned(d.message())
                        ? "dead-lettered: the recipient starts with sms.worker.poison-prefix"
                        : "dead-lettered: processing failed " + maxDeliveries + " times"));
            } else if (d.verdict() == Verdict.EXPIRED) {
                outcomes.add(Outcome.failed(d.message(), EXPIRED));
            }
        }
        return outcomes;
    }

    /** The provider's answers as outcomes: a transient failure is retried while the policy allows. */
    public List<Outcome> outcomesOf(List<SmsProvider.Result> results, long nowMillis) {
        return outcomesOf(results.stream().map(SmsProvider.Result::message).toList(), results, nowMillis);
    }

    /**
     * One outcome per message sent, matched to the provider's results by message id. A message the provider gave no
     * result for is a transient failure (retried while the policy allows, then failed and refunded), so no message
     * is acknowledged without an outcome; results for messages not sent are ignored.
     */
    public List<Outcome> outcomesOf(List<QueuedMessage> sent, List<SmsProvider.Result> results, long nowMillis) {
        Map<UUID, SmsProvider.Result> resultOf = new HashMap<>();
        for (SmsProvider.Result r : results) {
            if (r != null && r.message() != null) {
                resultOf.putIfAbsent(r.message().id(), r);
            }
        }
        List<Outcome> outcomes = new ArrayList<>(sent.size());
        for (QueuedMessage sentMessage : sent) {
            SmsProvider.Result answered = resultOf.get(sentMessage.id());
            SmsProvider.Result r = answered != null ? new SmsProvider.Result(sentMessage, answered.error(),
                    answered.transientFailure()) : new SmsProvider.Result(sentMessage, NO_RESULT, true);
            QueuedMessage m = r.message();
            if (r.sent()) {
                outcomes.add(new Outcome(m, MessageStatus.SENT, null, 0, answered.providerIds(), null));
            } else if (r.transientFailure() && retry.mayRetryAfter(m.attempt())) {
                outcomes.add(new Outcome(m, MessageStatus.QUEUED, r.error(), retry.nextDueMillis(nowMillis, m.attempt()),
                        List.of(), answered == null ? null : answered.errorCode()));
            } else {
                String why = r.transientFailure() ? r.error() + " (gave up after " + m.attempt() + " attempts)" : r.error();
                outcomes.add(new Outcome(m, MessageStatus.FAILED, why, 0, List.of(),
                        answered == null ? null : answered.errorCode()));
            }
        }
        return outcomes;
    }

    /**
     * Decides the refunds, retries and dead letters from what PostgreSQL holds once the outcomes are written. The
     * status that counts is PostgreSQL's: a message another consumer saved first keeps the status it saved.
     *
     * @param saved the rows read before the decision
     * @param written the messages whose rows this batch's write changed
     * @param statusWrittenElsewhere the status of the outcomes this write did not change
     */
    public Settlement settle(Plan plan, List<Outcome> outcomes, Map<UUID, MessageStore.Saved> saved, Set<UUID> written,
            Map<UUID, MessageStatus> statusWrittenElsewhere) {
        Map<UUID, MessageStatus> statusOf = new HashMap<>();
        saved.forEach((id, s) -> statusOf.put(id, s.status()));
        Map<UUID, Outcome> outcomeOf = new HashMap<>();
        for (Outcome o : outcomes) {
            outcomeOf.put(o.message().id(), o);
            if (written.contains(o.message().id())) {
                statusOf.put(o.message().id(), o.status());
            }
        }
        statusOf.putAll(statusWrittenElsewhere);

        Map<String, List<CreditScripts.Refund>> refunds = new LinkedHashMap<>();
        List<FinishStep.Retry> retries = new ArrayList<>();
        List<QueueScripts.DeadLetter> deadLetters = new ArrayList<>();
        int newRetries = 0;
        for (Batch.Malformed bad : plan.batch().malformed()) {
            deadLetters.add(deadLetter(bad.entry(), MALFORMED));
        }
        for (Decided d : plan.decided()) {
            QueuedMessage m = d.message();
            MessageStatus status = statusOf.get(m.id());
            if (status == MessageStatus.FAILED) {
                // What acceptance charged for it: one credit per SMS part with per-segment pricing.
                refunds.computeIfAbsent(m.clientId(), c -> new ArrayList<>())
                        .add(new CreditScripts.Refund(m.id(), m.credits()));
            }
            // Only a message whose recorded status is failed is dead-lettered: a poison verdict that lost to another
            // consumer's "sent" leaves no dead letter, and nothing refunds it.
            if (d.verdict() == Verdict.POISON && status == MessageStatus.FAILED) {
                deadLetters.add(deadLetter(d.work().entry(), poisoned(d.message())
                        ? "the recipient starts with sms.worker.poison-prefix"
                        : "delivered " + d.work().entry().deliveries() + " times without finishing"));
            }
            if (status != MessageStatus.QUEUED) {
                continue;
            }
            Map<String, String> next = MessageCodec.nextAttempt(d.work().entry().fields(), m.attempt() + 1);
            if (d.verdict() == Verdict.RETRY_AGAIN) {
                retries.add(new FinishStep.Retry(retry.nextDueMillis(plan.nowMillis(), m.attempt()), next));
            } else if (outcomeOf.containsKey(m.id()) && outcomeOf.get(m.id()).status() == MessageStatus.QUEUED) {
                retries.add(new FinishStep.Retry(outcomeOf.get(m.id()).retryDueMillis(), next));
                newRetries++;
            }
        }
        return new Settlement(refunds, retries, deadLetters, newRetries);
    }

    private static QueueScripts.DeadLetter deadLetter(StreamEntry entry, String reason) {
        Map<String, String> fields = new LinkedHashMap<>(entry.fields());
        fields.put("reason", reason);
        fields.put("entry", entry.entryId());
        return new QueueScripts.DeadLetter(entry.entryId(), fields);
    }
}
