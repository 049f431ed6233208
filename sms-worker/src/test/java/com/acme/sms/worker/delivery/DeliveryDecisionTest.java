package com.acme.sms.worker.delivery;

import static com.acme.sms.message.MessageStatus.FAILED;
import static com.acme.sms.message.MessageStatus.QUEUED;
import static com.acme.sms.message.MessageStatus.SENT;
import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.queue.MessageCodec;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.worker.finish.FinishStep;
import com.acme.sms.worker.persist.MessageStore;
import com.acme.sms.worker.retry.RetryPolicy;
import com.acme.sms.worker.send.SmsProvider;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The worker's decisions, as tables: no Redis, no PostgreSQL, no clock. */
class DeliveryDecisionTest {

    static final MessageType TYPE = MessageType.NORMAL;
    static final long NOW = 1_700_000_000_000L;
    static final int MAX_DELIVERIES = 3;
    /** 1 s doubling, 3 attempts, and a "random" that always answers 0: the backoff is exactly half the delay. */
    static final RetryPolicy RETRY = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 3, n -> 0);
    static final DeliveryDecision DECISION = new DeliveryDecision(MAX_DELIVERIES, RETRY);

    // --- before sending: one entry, its delivery, what PostgreSQL holds -> the verdict ---------------------------

    record TriageCase(String name, int attempt, long expiresAt, long deliveries, boolean reclaimed,
            MessageStore.Saved saved, Verdict verdict) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<TriageCase> triageTable() {
        MessageStore.Saved sent = new MessageStore.Saved(SENT, 1);
        MessageStore.Saved failed = new MessageStore.Saved(FAILED, 1);
        MessageStore.Saved queued1 = new MessageStore.Saved(QUEUED, 1);
        MessageStore.Saved queued2 = new MessageStore.Saved(QUEUED, 2);
        return Stream.of(
                new TriageCase("fresh first attempt", 1, 0, 1, false, null, Verdict.SEND),
                new TriageCase("reclaimed, never saved (crashed before persisting)", 1, 0, 2, true, null, Verdict.SEND),
                new TriageCase("reclaimed, saved as sent", 1, 0, 2, true, sent, Verdict.ALREADY_FINAL),
                new TriageCase("reclaimed, saved as failed", 1, 0, 2, true, failed, Verdict.ALREADY_FINAL),
                new TriageCase("fresh retry, the previous attempt saved", 2, 0, 1, false, queued1, Verdict.SEND),
                new TriageCase("reclaimed retry whose attempt was saved", 2, 0, 2, true, queued2, Verdict.RETRY_AGAIN),
                new TriageCase("late copy of an earlier attempt", 1, 0, 1, true, queued2, Verdict.RETRY_AGAIN),
                new TriageCase("delivered as often as allowed", 1, 0, MAX_DELIVERIES, true, null, Verdict.SEND),
                new TriageCase("delivered once too often", 1, 0, MAX_DELIVERIES + 1, true, null, Verdict.POISON),
                new TriageCase("delivered too often but final already", 1, 0, MAX_DELIVERIES + 1, true, sent,
                        Verdict.ALREADY_FINAL),
                new TriageCase("delivered too often, its attempt saved", 1, 0, MAX_DELIVERIES + 1, true, queued1,
                        Verdict.RETRY_AGAIN),
                new TriageCase("validity ends now", 1, NOW, 1, false, null, Verdict.EXPIRED),
                new TriageCase("validity ends a millisecond later", 1, NOW + 1, 1, false, null, Verdict.SEND),
                new TriageCase("expired and delivered too often", 1, NOW - 5, MAX_DELIVERIES + 1, true, null,
                        Verdict.POISON),
                new TriageCase("expired but final already", 1, NOW - 5, 2, true, failed, Verdict.ALREADY_FINAL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("triageTable")
    void triage(TriageCase c) {
        UUID id = UUID.randomUUID();
        Batch batch = Batch.decode(TYPE, List.of(entry("1-0", id, "acme", c.attempt(), c.expiresAt(), c.deliveries())),
                c.reclaimed());
        // Every message, first deliveries too: after Redis lost data, a finished entry comes back looking new.
        assertThat(batch.toLookUp()).as("looked up in PostgreSQL").containsExactly(id);

        Map<UUID, MessageStore.Saved> saved = c.saved() == null ? Map.of() : Map.of(id, c.saved());
        DeliveryDecision.Plan plan = DECISION.triage(batch, saved, NOW);

        assertThat(plan.verdictOf(id)).isEqualTo(c.verdict());
        assertThat(plan.toSend()).hasSize(c.verdict() == Verdict.SEND ? 1 : 0);
        List<DeliveryDecision.Outcome> unsent = DECISION.unsentOutcomes(plan);
        switch (c.verdict()) {
            case POISON -> assertThat(unsent).singleElement().satisfies(o -> {
                assertThat(o.status()).isEqualTo(FAILED);
                assertThat(o.error()).isEqualTo("dead-lettered: processing failed 3 times");
            });
            case EXPIRED -> assertThat(unsent).singleElement().satisfies(o -> {
                assertThat(o.status()).isEqualTo(FAILED);
                assertThat(o.error()).isEqualTo(DeliveryDecision.EXPIRED);
            });
            default -> assertThat(unsent).isEmpty();
        }
    }

    // --- handed to the provider by an earlier delivery that recorded no outcome -------------------------------

    record HandedCase(String name, int attempt, long deliveries, MessageStore.Saved saved, Integer handed, Verdict verdict) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<HandedCase> handedTable() {
        return Stream.of(
                new HandedCase("handed, crashed before persisting", 1, 2, null, 1, Verdict.HANDED_BEFORE),
                new HandedCase("handed, never recorded, first delivery (Redis lost the ack)", 1, 1, null, 1,
                        Verdict.HANDED_BEFORE),
                new HandedCase("handed and taken over too often: not failed, not refunded", 1, MAX_DELIVERIES + 3, null, 1,
                        Verdict.HANDED_BEFORE),
                new HandedCase("handed and expired meanwhile: presumed sent all the same", 1, 2, null, 1,
                        Verdict.HANDED_BEFORE),
                new HandedCase("handed and saved as sent", 1, 2, new MessageStore.Saved(SENT, 1), 1, Verdict.ALREADY_FINAL),
                new HandedCase("handed, saved as waiting for its retry", 1, 2, new MessageStore.Saved(QUEUED, 1), 1,
                        Verdict.RETRY_AGAIN),
                new HandedCase("an earlier attempt's record, this attempt never handed", 2, 1,
                        new MessageStore.Saved(QUEUED, 1), 1, Verdict.SEND),
                new HandedCase("no record", 1, 2, null, null, Verdict.SEND));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("handedTable")
    void aMessageHandedBeforeIsPresumedSentAndNeverSentAgain(HandedCase c) {
        UUID id = UUID.randomUUID();
        long expires = c.name().contains("expired") ? NOW - 1 : 0;
        Batch batch = Batch.decode(TYPE, List.of(entry("1-0", id, "acme", c.attempt(), expires, c.deliveries())), true);
        Map<UUID, MessageStore.Saved> saved = c.saved() == null ? Map.of() : Map.of(id, c.saved());
        Map<UUID, Integer> handed = c.handed() == null ? Map.of() : Map.of(id, c.handed());

        DeliveryDecision.Plan plan = DECISION.triage(batch, saved, handed, NOW);

        assertThat(plan.verdictOf(id)).isEqualTo(c.verdict());
        if (c.verdict() == Verdict.HANDED_BEFORE) {
            List<DeliveryDecision.Outcome> unsent = DECISION.unsentOutcomes(plan);
            assertThat(unsent).singleElement().satisfies(o -> {
                assertThat(o.status()).isEqualTo(SENT);
                assertThat(o.error()).startsWith("presumed sent:");
            });
            DeliveryDecision.Settlement s = DECISION.settle(plan, unsent, saved, Set.of(id), Map.of());
            assertThat(s.refundsByClient()).isEmpty();
            assertThat(s.deadLetters()).isEmpty();
            assertThat(s.retries()).isEmpty();
        }
    }

    // --- decoding: duplicates and malformed entries ----------------------------------------------------------

    @Test
    void theSameMessageTwiceInABatchIsHandledOnceAndBothEntriesAreAcknowledged() {
        UUID id = UUID.randomUUID();
        Batch batch = Batch.decode(TYPE, List.of(entry("1-0", id, "acme", 1, 0, 1), entry("2-0", id, "acme", 1, 0, 1)), false);

        assertThat(batch.entryIds()).containsExactly("1-0", "2-0");
        assertThat(batch.work()).singleElement().satisfies(w -> assertThat(w.entry().entryId()).isEqualTo("1-0"));
    }

    @Test
    void ofTwoAttemptsOfOneMessageInABatchTheLatestIsHandledInWhateverOrderTheyCome() {
        UUID id = UUID.randomUUID();
        for (List<String> order : List.of(List.of("1", "2"), List.of("2", "1"))) {
            Batch batch = Batch.decode(TYPE, order.stream()
                    .map(a -> entry(a + "-0", id, "acme", Integer.parseInt(a), 0, 1)).toList(), false);

            assertThat(batch.entryIds()).hasSize(2);
            assertThat(batch.work()).singleElement().satisfies(w -> assertThat(w.message().attempt()).isEqualTo(2));
            assertThat(batch.toLookUp()).containsExactly(id); // a retry may meet its earlier attempt's row
        }
    }

    @Test
    void aMalformedEntryIsSetAsideAcknowledgedAndDeadLetteredWhileTheRestGoesOn() {
        UUID good = UUID.randomUUID();
        Map<String, String> noNumber = new HashMap<>(entry("3-0", UUID.randomUUID(), "acme", 1, 0, 1).fields());
        noNumber.put(MessageCodec.QUEUED_AT, "yesterday");
        Batch batch = Batch.decode(TYPE, List.of(
                new StreamEntry("1-0", Map.of("garbage", "yes"), 1),
                entry("2-0", good, "acme", 1, 0, 1),
                new StreamEntry("3-0", noNumber, 1)), false);

        assertThat(batch.entryIds()).containsExactly("1-0", "2-0", "3-0");
        assertThat(batch.malformed()).extracting(m -> m.entry().entryId()).containsExactly("1-0", "3-0");
        assertThat(batch.work()).extracting(w -> w.message().id()).containsExactly(good);

        DeliveryDecision.Plan plan = DECISION.triage(batch, Map.of(), NOW);
        DeliveryDecision.Settlement s = DECISION.settle(plan, List.of(), Map.of(), Set.of(), Map.of());
        assertThat(s.deadLetters()).extracting(QueueScripts.DeadLetter::entryId).containsExactly("1-0", "3-0");
        assertThat(s.deadLetters().get(0).fields())
                .containsEntry("garbage", "yes").containsEntry("reason", "malformed entry").containsEntry("entry", "1-0");
        assertThat(s.refundsByClient()).isEmpty();
    }

    // --- after sending: the provider's result -> the attempt's outcome --------------------------------------

    record SendCase(String name, int attempt, String error, boolean transientFailure, MessageStatus status,
            String savedError, long retryDue) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<SendCase> sendTable() {
        return Stream.of(
                new SendCase("sent", 1, null, false, SENT, null, 0),
                new SendCase("transient failure of the first of 3 attempts", 1, "timeout", true, QUEUED, "timeout", NOW + 500),
                new SendCase("transient failure of the second of 3 attempts", 2, "timeout", true, QUEUED, "timeout",
                        NOW + 1000),
                new SendCase("transient failure of the last attempt", 3, "timeout", true, FAILED,
                        "timeout (gave up after 3 attempts)", 0),
                new SendCase("permanent failure", 1, "invalid number", false, FAILED, "invalid number", 0),
                new SendCase("permanent failure of a retry", 2, "invalid number", false, FAILED, "invalid number", 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sendTable")
    void outcomeOfASend(SendCase c) {
        QueuedMessage m = message(UUID.randomUUID(), "acme", c.attempt(), 0);
        SmsProvider.Result result = new SmsProvider.Result(m, c.error(), c.transientFailure());

        assertThat(DECISION.outcomesOf(List.of(result), NOW))
                .containsExactly(new DeliveryDecision.Outcome(m, c.status(), c.savedError(), c.retryDue()));
    }

    @Test
    void aMessageTheProviderGaveNoResultForGetsAnOutcomeAllTheSame() {
        QueuedMessage answered = message(UUID.randomUUID(), "acme", 1, 0);
        QueuedMessage silentFirst = message(UUID.randomUUID(), "acme", 1, 0);
        QueuedMessage silentLast = message(UUID.randomUUID(), "acme", 3, 0);
        QueuedMessage notSent = message(UUID.randomUUID(), "acme", 1, 0);

        List<DeliveryDecision.Outcome> outcomes = DECISION.outcomesOf(List.of(answered, silentFirst, silentLast),
                List.of(SmsProvider.Result.sent(answered), SmsProvider.Result.sent(notSent)), NOW);

        assertThat(outcomes).containsExactly(
                new DeliveryDecision.Outcome(answered, SENT, null, 0),
                new DeliveryDecision.Outcome(silentFirst, QUEUED, DeliveryDecision.NO_RESULT, NOW + 500),
                new DeliveryDecision.Outcome(silentLast, FAILED, DeliveryDecision.NO_RESULT + " (gave up after 3 attempts)",
                        0));
    }

    // --- after PostgreSQL: what it holds -> refunds, retries, dead letters ---------------------------------

    @Test
    void refundsFollowWhatPostgresHoldsNotWhatThisBatchTriedToWrite() {
        UUID sentNow = UUID.randomUUID();
        UUID failedNow = UUID.randomUUID();
        UUID failedBefore = UUID.randomUUID();
        UUID sentBefore = UUID.randomUUID();
        UUID failedHereSentElsewhere = UUID.randomUUID();
        UUID sentHereFailedElsewhere = UUID.randomUUID();
        UUID otherClientFailed = UUID.randomUUID();
        Batch batch = Batch.decode(TYPE, List.of(
                entry("1-0", sentNow, "acme", 1, 0, 2),
                entry("2-0", failedNow, "acme", 1, 0, 2),
                entry("3-0", failedBefore, "acme", 1, 0, 2),
                entry("4-0", sentBefore, "acme", 1, 0, 2),
                entry("5-0", failedHereSentElsewhere, "acme", 1, 0, 2),
                entry("6-0", sentHereFailedElsewhere, "acme", 1, 0, 2),
                entry("7-0", otherClientFailed, "other", 1, 0, 2)), true);
        Map<UUID, MessageStore.Saved> saved = Map.of(failedBefore, new MessageStore.Saved(FAILED, 1),
                sentBefore, new MessageStore.Saved(SENT, 1));
        DeliveryDecision.Plan plan = DECISION.triage(batch, saved, NOW);
        assertThat(plan.messages(Verdict.ALREADY_FINAL)).extracting(QueuedMessage::id).containsExactly(failedBefore,
                sentBefore);

        List<DeliveryDecision.Outcome> outcomes = List.of(
                outcome(plan, sentNow, SENT), outcome(plan, failedNow, FAILED), outcome(plan, failedHereSentElsewhere, FAILED),
                outcome(plan, sentHereFailedElsewhere, SENT), outcome(plan, otherClientFailed, FAILED));
        DeliveryDecision.Settlement s = DECISION.settle(plan, outcomes, saved, Set.of(sentNow, failedNow, otherClientFailed),
                Map.of(failedHereSentElsewhere, SENT, sentHereFailedElsewhere, FAILED));

        assertThat(s.refundsByClient()).containsOnlyKeys("acme", "other");
        assertThat(s.refundsByClient().get("acme")).extracting(CreditScripts.Refund::messageId)
                .containsExactly(failedNow, failedBefore, sentHereFailedElsewhere);
        assertThat(s.refundsByClient().get("other")).extracting(CreditScripts.Refund::messageId)
                .containsExactly(otherClientFailed);
        assertThat(s.retries()).isEmpty();
        assertThat(s.deadLetters()).isEmpty();
    }

    @Test
    void aRetryIsScheduledOnlyWhilePostgresHoldsTheMessageAsQueued() {
        UUID retried = UUID.randomUUID();
        UUID retriedButSentElsewhere = UUID.randomUUID();
        UUID recordedBefore = UUID.randomUUID();
        Batch batch = Batch.decode(TYPE, List.of(
                entry("1-0", retried, "acme", 1, 0, 1),
                entry("2-0", retriedButSentElsewhere, "acme", 1, 0, 1),
                entry("3-0", recordedBefore, "acme", 2, 0, 2)), true);
        Map<UUID, MessageStore.Saved> saved = Map.of(recordedBefore, new MessageStore.Saved(QUEUED, 2));
        DeliveryDecision.Plan plan = DECISION.triage(batch, saved, NOW);
        assertThat(plan.verdictOf(recordedBefore)).isEqualTo(Verdict.RETRY_AGAIN);

        List<DeliveryDecision.Outcome> outcomes = DECISION.outcomesOf(List.of(
                new SmsProvider.Result(plan.toSend().get(0), "timeout", true),
                new SmsProvider.Result(plan.toSend().get(1), "timeout", true)), NOW);
        DeliveryDecision.Settlement s = DECISION.settle(plan, outcomes, saved, Set.of(retried),
                Map.of(retriedButSentElsewhere, SENT));

        assertThat(s.retries()).extracting(FinishStep.Retry::dueMillis).containsExactly(NOW + 500, NOW + 1000);
        assertThat(s.retries().get(0).fields()).containsEntry("id", retried.toString()).containsEntry("a", "2");
        assertThat(s.retries().get(1).fields()).containsEntry("id", recordedBefore.toString()).containsEntry("a", "3");
        assertThat(s.newRetries()).as("a retry scheduled again is not a new one").isEqualTo(1);
        assertThat(s.refundsByClient()).isEmpty();
    }

    @Test
    void aPoisonMessageIsFailedRefundedAndDeadLetteredWithItsEntry() {
        UUID id = UUID.randomUUID();
        Batch batch = Batch.decode(TYPE, List.of(entry("9-0", id, "acme", 1, 0, MAX_DELIVERIES + 2)), true);
        DeliveryDecision.Plan plan = DECISION.triage(batch, Map.of(), NOW);
        List<DeliveryDecision.Outcome> outcomes = DECISION.unsentOutcomes(plan);

        DeliveryDecision.Settlement s = DECISION.settle(plan, outcomes, Map.of(), Set.of(id), Map.of());

        assertThat(s.refundsByClient()).containsExactly(Map.entry("acme", List.of(new CreditScripts.Refund(id, 1))));
        assertThat(s.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.entryId()).isEqualTo("9-0");
            assertThat(d.fields()).containsEntry("id", id.toString()).containsEntry("entry", "9-0")
                    .containsEntry("reason", "delivered 5 times without finishing");
        });
    }

    @Test
    void aRecipientWithThePoisonPrefixIsDeadLetteredOnItsFirstDeliveryAndOthersAreSent() {
        DeliveryDecision poisoning = new DeliveryDecision(MAX_DELIVERIES, RETRY, "+49170");
        UUID poisoned = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        StreamEntry second = entry("10-0", other, "acme", 1, 0, 1);
        second.fields().put(MessageCodec.TO, "+4915112345");
        Batch batch = Batch.decode(TYPE, List.of(entry("9-0", poisoned, "acme", 1, 0, 1), second), false);

        DeliveryDecision.Plan plan = poisoning.triage(batch, Map.of(), NOW);

        assertThat(plan.verdictOf(poisoned)).isEqualTo(Verdict.POISON);
        assertThat(plan.verdictOf(other)).isEqualTo(Verdict.SEND);
        assertThat(DECISION.triage(batch, Map.of(), NOW).verdictOf(poisoned)).as("no prefix, no poison")
                .isEqualTo(Verdict.SEND);
        List<DeliveryDecision.Outcome> outcomes = poisoning.unsentOutcomes(plan);
        DeliveryDecision.Settlement s = poisoning.settle(plan, outcomes, Map.of(), Set.of(poisoned), Map.of());
        assertThat(s.refundsByClient()).containsExactly(Map.entry("acme", List.of(new CreditScripts.Refund(poisoned, 1))));
        assertThat(s.deadLetters()).singleElement().satisfies(d -> assertThat(d.fields())
                .containsEntry("reason", "the recipient starts with sms.worker.poison-prefix"));
    }

    @Test
    void aPoisonVerdictThatLostToAnotherConsumersSentLeavesNoDeadLetterAndNoRefund() {
        UUID id = UUID.randomUUID();
        Batch batch = Batch.decode(TYPE, List.of(entry("9-0", id, "acme", 1, 0, MAX_DELIVERIES + 2)), true);
        DeliveryDecision.Plan plan = DECISION.triage(batch, Map.of(), NOW);
        assertThat(plan.verdictOf(id)).isEqualTo(Verdict.POISON);

        DeliveryDecision.Settlement s = DECISION.settle(plan, DECISION.unsentOutcomes(plan), Map.of(), Set.of(),
                Map.of(id, SENT));

        assertThat(s.deadLetters()).isEmpty();
        assertThat(s.refundsByClient()).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    static DeliveryDecision.Outcome outcome(DeliveryDecision.Plan plan, UUID id, MessageStatus status) {
        QueuedMessage m = plan.decided().stream().filter(d -> d.message().id().equals(id)).findFirst().orElseThrow().message();
        return new DeliveryDecision.Outcome(m, status, status == FAILED ? "no" : null, 0);
    }

    static StreamEntry entry(String entryId, UUID id, String client, int attempt, long expiresAt, long deliveries) {
        Map<String, String> fields = new HashMap<>();
        fields.put(MessageCodec.ID, id.toString());
        fields.put(MessageCodec.CLIENT, client);
        fields.put(MessageCodec.TO, "+4917012345");
        fields.put(MessageCodec.FROM, "App");
        fields.put(MessageCodec.BODY, "hello");
        fields.put(MessageCodec.QUEUED_AT, Long.toString(NOW - 1000));
        if (attempt > 1) {
            fields.put(MessageCodec.ATTEMPT, Integer.toString(attempt));
        }
        if (expiresAt > 0) {
            fields.put(MessageCodec.EXPIRES_AT, Long.toString(expiresAt));
        }
        return new StreamEntry(entryId, fields, deliveries);
    }

    static QueuedMessage message(UUID id, String client, int attempt, long expiresAt) {
        return MessageCodec.decode(TYPE, entry("0-1", id, client, attempt, expiresAt, 1).fields());
    }
}
