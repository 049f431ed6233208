package com.acme.sms.api.message;

import com.acme.sms.acceptance.AcceptScript;
import com.acme.sms.acceptance.IdempotencyRecord;
import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.config.BillingConfig;
import com.acme.sms.api.credit.RebuildInProgressException;
import com.acme.sms.api.ratelimit.RateLimiter;
import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.api.store.StoreUnavailableException;
import com.acme.sms.live.LiveCounters;
import com.acme.sms.live.LiveEvent;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import com.acme.sms.optout.OptOuts;
import com.acme.sms.text.SmsText;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accepting messages: apply the validity policy, validate each message, then charge and queue the valid ones in ONE
 * Lua script ({@link AcceptScript}), so that charging and queueing happen together or not at all, and concurrent
 * requests can never spend the same credit.
 */
@ApplicationScoped
public class SendService {

    public static final String INSUFFICIENT_CREDIT = "insufficient_credit";
    public static final String OPTED_OUT = "opted_out";
    static final long MAX_NORMAL_VALIDITY_SECONDS = 7 * 24 * 3600;

    private final AcceptScript acceptance;
    private final RateLimiter rateLimiter;
    private final StoreBounds bounds;
    private final ApiConfig config;
    private final BillingConfig billing;
    private final ObjectMapper json;
    private final MeterRegistry registry;
    private final LiveCounters live;
    private final Map<MessageType, Counter> accepted = new EnumMap<>(MessageType.class);
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

    public SendService(AcceptScript acceptance, RateLimiter rateLimiter, StoreBounds bounds, ApiConfig config,
            BillingConfig billing, ObjectMapper json, MeterRegistry registry, LiveCounters live) {
        this.live = live;
        this.acceptance = acceptance;
        this.rateLimiter = rateLimiter;
        this.bounds = bounds;
        this.config = config;
        this.billing = billing;
        this.json = json;
        this.registry = registry;
        for (MessageType type : MessageType.values()) {
            accepted.put(type, Counter.builder("sms.messages.accepted")
                    .description("Messages accepted, charged and queued")
                    .tag("type", type.wireName())
                    .register(registry));
        }
    }

    /**
     * @throws InvalidValidityException when the validity asked for is outside the type's range
     * @throws InvalidIdempotencyKeyException when the Idempotency-Key is malformed
     */
    public Uni<SendOutcome> send(SendCommand command) {
        MessageType type = command.type();
        long validityMillis = validitySeconds(type, command.validitySeconds()) * 1000;
        AcceptScript.Idempotency idempotency = null;
        if (command.idempotencyKey() != null) {
            IdempotencyKeys.requireValid(command.idempotencyKey());
            idempotency = new AcceptScript.Idempotency(command.idempotencyKey(),
                    requestHash(type, validityMillis, command.sendAt(), command.messages()), config.idempotencyTtl());
        }
        return accept(command.clientId(), type, command.messages(), validityMillis, idempotency, command.sendAt());
    }

    private Uni<SendOutcome> accept(String clientId, MessageType type, List<MessageDraft> messages, long validityMillis,
            AcceptScript.Idempotency idempotency, Instant sendAt) {
        MessageOutcome[] results = new MessageOutcome[messages.size()];
        List<AcceptScript.Outgoing> valid = new ArrayList<>(messages.size());
        List<Integer> validIndex = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            MessageDraft m = messages.get(i);
            MessageRules.Violation violation = MessageRules.check(m);
            if (violation != null) {
                results[i] = MessageOutcome.rejected(i, violation.reason(), violation.detail());
                countRejected(type, violation.reason(), 1);
            } else {
                // A scheduled message's id carries the time it is due: its row's queued_at and partition (V10).
                UUID id = sendAt == null ? UuidV7.next() : UuidV7.at(sendAt, valid.size());
                valid.add(new AcceptScript.Outgoing(id, m.to(), m.from(), m.content(), credits(m.content())));
                validIndex.add(i);
            }
        }
        int invalid = messages.size() - valid.size();
        if (valid.isEmpty()) {
            return Uni.createFrom().item(new SendOutcome(type, 0, 0, invalid, 0, 0, null, 0, List.of(results), false,
                    sendAt));
        }
        long perSecond = rateLimiter.messagesPerSecond(type);
        // Bounded both ways: this request stops waiting after the store timeout, and the script, should Redis reach
        // it later, refuses to charge past a deadline set before that moment (StoreBounds#deadlineMillis).
        Uni<AcceptScript.Acceptance> call = acceptance.accept(clientId, type, valid, validityMillis, idempotency,
                perSecond, bounds.deadlineMillis(), sendAt == null ? 0 : sendAt.toEpochMilli());
        call = call.onFailure(OptOuts.StoreFailure.class).transform(e -> new StoreUnavailableException(
                ((OptOuts.StoreFailure) e).store(),
                "Your opt-outs could not be loaded into Redis; nothing was charged or queued. Try again shortly.", e));
        return bounds.redis(call).map(a -> switch (a.outcome()) {
            // Refused whole by accept.lua before it wrote anything: no charge, no queue entry, no window count.
            case RATE_LIMITED -> throw rateLimiter.messagesRefused(type, valid.size(), a.retryAfterMillis());
            case FROZEN -> throw new RebuildInProgressException();
            case TOO_LATE -> throw new StoreUnavailableException(StoreBounds.REDIS,
                    "Redis answered too late to accept these messages; nothing was charged or queued. Try again shortly.",
                    null);
            case OPT_OUTS_UNLOADED -> throw new StoreUnavailableException(StoreBounds.REDIS,
                    "Your opt-outs are being loaded into Redis; nothing was charged or queued. Try again shortly.", null);
            case REPLAYED -> {
                String hash = idempotency.requestHash();
                IdempotencyRecord record = a.replayOf().filter(r -> r.requestHash().equals(hash))
                        .orElseThrow(IdempotencyKeyReusedException::new);
                yield replay(type, record, results, valid, validIndex, invalid, sendAt);
            }
            case QUEUED -> {
                SendOutcome outcome = outcome(type, a.accepted(), null, a.optedOut(), a.balanceLeft(),
                        a.queuedAtMillis(), results, valid, validIndex, invalid, false, sendAt);
                accepted.get(type).increment(outcome.accepted());
                live.add(LiveEvent.ACCEPTED, type, outcome.accepted());
                live.client(clientId, outcome.accepted());
                countRejected(type, INSUFFICIENT_CREDIT, outcome.rejectedForCredit());
                countRejected(type, OPTED_OUT, outcome.rejectedOptedOut());
                yield outcome;
            }
        });
    }

    /**
     * The answer to a request repeated with its Idempotency-Key: rebuilt from the stored record (the ids and
     * counts the first answer gave; the validation of an identical body gives the same results again).
     */
    private static SendOutcome replay(MessageType type, IdempotencyRecord record, MessageOutcome[] results,
            List<AcceptScript.Outgoing> valid, List<Integer> validIndex, int invalid, Instant sendAt) {
        return outcome(type, record.accepted(), record.ids(), record.optedOut(), record.balanceLeft(),
                record.queuedAtMillis(), results, valid, validIndex, invalid, true, sendAt);
    }

    /**
     * Each valid message's result, in request order: opted out, else one of the first {@code accepted} others
     * (accept.lua takes the messages not opted out in order), else not covered by the balance.
     *
     * @param recordIds the ids a replayed record gave those accepted; null: this request's own ids
     * @param optedOut positions among the valid messages
     */
    private static SendOutcome outcome(MessageType type, int accepted, List<UUID> recordIds, List<Integer> optedOut,
            long balanceLeft, long queuedAtMillis, MessageOutcome[] results, List<AcceptScript.Outgoing> valid,
            List<Integer> validIndex, int invalid, boolean replayed, Instant sendAt) {
        Set<Integer> out = new HashSet<>(optedOut);
        int taken = 0;
        int forCredit = 0;
        long charged = 0;
        for (int k = 0; k < validIndex.size(); k++) {
            int index = validIndex.get(k);
            int credits = valid.get(k).credits();
            if (out.contains(k)) {
                results[index] = MessageOutcome.rejected(index, OPTED_OUT,
                        "the number opted out of your messages; it was not charged");
            } else if (taken < accepted) {
                UUID id = recordIds == null ? valid.get(k).id() : recordIds.get(taken);
                results[index] = MessageOutcome.queued(index, id, credits);
                taken++;
                charged += credits;
            } else {
                // accept.lua stops at the first message the balance cannot cover: this one, or one before it.
                results[index] = MessageOutcome.rejected(index, INSUFFICIENT_CREDIT, "the balance did not cover this "
                        + (credits == 1 ? "message" : "message's " + credits + " credits") + " or one before it");
                forCredit++;
            }
        }
        return new SendOutcome(type, accepted, forCredit, invalid, optedOut.size(), charged, balanceLeft,
                queuedAtMillis, List.of(results), replayed, sendAt);
    }

    /** A message's price: one credit per SMS part (the parts the worker will send), or one with per-part billing off. */
    private int credits(String content) {
        return billing.perSegment() ? SmsText.segments(content) : 1;
    }

    /** Seconds of validity: express messages always have one (default and maximum configured), normal only on request. */
    private long validitySeconds(MessageType type, Integer requested) {
        long expressMax = config.expressValidity().toSeconds();
        if (requested == null) {
            return type == MessageType.EXPRESS ? expressMax : 0;
        }
        long max = type == MessageType.EXPRESS ? expressMax : MAX_NORMAL_VALIDITY_SECONDS;
        if (requested < 1 || requested > max) {
            throw new InvalidValidityException(
                    "'validity_seconds' must be from 1 to " + max + " for " + type.wireName() + " messages.");
        }
        return requested;
    }

    /** What makes two requests "the same" for an Idempotency-Key: type, validity and the messages, as parsed. */
    private String requestHash(MessageType type, long validityMillis, Instant sendAt, List<MessageDraft> messages) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            // The time to send only when there is one: the hash of an immediate send is what it always was.
            digest.update((type.wireName() + '|' + validityMillis + '|' + (sendAt == null ? "" : sendAt.toEpochMilli() + "|"))
                    .getBytes(StandardCharsets.UTF_8));
            digest.update(json.writeValueAsBytes(messages));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void countRejected(MessageType type, String reason, int count) {
        if (count == 0) {
            return;
        }
        rejected.computeIfAbsent(type.wireName() + '/' + reason, k -> Counter.builder("sms.messages.rejected")
                .description("Messages refused at acceptance, by reason")
                .tag("type", type.wireName())
                .tag("reason", reason)
                .register(registry))
                .increment(count);
    }
}
