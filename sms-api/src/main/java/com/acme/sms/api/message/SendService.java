package com.acme.sms.api.message;

import com.acme.sms.api.message.rest.OutgoingMessage;
import com.acme.sms.api.message.rest.SendResult;
import com.acme.sms.api.ratelimit.RateLimiter;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import com.acme.sms.api.error.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accepting messages: validate each one, then charge and queue the valid ones in ONE Lua script, so that
 * charging and queueing happen together or not at all, and concurrent requests can never spend the same credit.
 */
@ApplicationScoped
public class SendService {

    public static final String INSUFFICIENT_CREDIT = "insufficient_credit";

    private final CreditScripts credit;
    private final RateLimiter rateLimiter;
    private final MeterRegistry registry;
    private final Map<MessageType, Counter> accepted = new EnumMap<>(MessageType.class);
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

    public SendService(CreditScripts credit, RateLimiter rateLimiter, MeterRegistry registry) {
        this.credit = credit;
        this.rateLimiter = rateLimiter;
        this.registry = registry;
        for (MessageType type : MessageType.values()) {
            accepted.put(type, Counter.builder("sms.messages.accepted")
                    .description("Messages accepted, charged and queued")
                    .tag("type", type.wireName())
                    .register(registry));
        }
    }

    /**
     * @param accepted messages charged and queued
     * @param rejectedForCredit valid messages the balance did not cover
     * @param balance the live balance afterwards; null when Redis was not asked (nothing was valid)
     */
    public record Outcome(int accepted, int rejectedForCredit, int rejectedInvalid, Long balance, long queuedAtMillis,
            List<SendResult> results, boolean replayed) {

        public int rejected() {
            return rejectedForCredit + rejectedInvalid;
        }
    }

    /** An Idempotency-Key and the hash of the request it came with. */
    public record IdempotentRequest(String key, String requestHash) {}

    public Uni<Outcome> send(String clientId, MessageType type, List<OutgoingMessage> messages) {
        return send(clientId, type, messages, 0, null, Duration.ZERO);
    }

    public Uni<Outcome> send(String clientId, MessageType type, List<OutgoingMessage> messages, long validityMillis,
            IdempotentRequest idempotent, Duration idempotencyTtl) {
        SendResult[] results = new SendResult[messages.size()];
        List<CreditScripts.Outgoing> valid = new ArrayList<>(messages.size());
        List<Integer> validIndex = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            OutgoingMessage m = messages.get(i);
            MessageRules.Violation violation = MessageRules.check(m);
            if (violation != null) {
                results[i] = SendResult.rejected(i, violation.reason(), violation.detail());
                countRejected(type, violation.reason(), 1);
            } else {
                valid.add(new CreditScripts.Outgoing(UuidV7.next(), m.to(), m.from(), m.content()));
                validIndex.add(i);
            }
        }
        int invalid = messages.size() - valid.size();
        if (valid.isEmpty()) {
            return Uni.createFrom().item(new Outcome(0, 0, invalid, null, 0, List.of(results), false));
        }
        CreditScripts.Idempotency idempotency = idempotent == null ? null
                : new CreditScripts.Idempotency(idempotent.key(), idempotent.requestHash(), idempotencyTtl);
        long perSecond = rateLimiter.messagesPerSecond(type);
        return credit.accept(clientId, type, valid, validityMillis, idempotency, perSecond).map(acceptance -> {
            if (acceptance.rateLimited()) {
                // Refused whole by accept.lua before it wrote anything: no charge, no queue entry, no window count.
                throw rateLimiter.messagesRefused(type, valid.size(), acceptance.retryAfterMillis());
            }
            if (acceptance.replayOf() != null) {
                return replay(acceptance.replayOf(), idempotent, results, valid, validIndex, invalid);
            }
            int n = acceptance.accepted();
            for (int k = 0; k < valid.size(); k++) {
                int index = validIndex.get(k);
                results[index] = k < n
                        ? SendResult.queued(index, valid.get(k).id())
                        : SendResult.rejected(index, INSUFFICIENT_CREDIT, "the balance did not cover this message");
            }
            accepted.get(type).increment(n);
            countRejected(type, INSUFFICIENT_CREDIT, valid.size() - n);
            return new Outcome(n, valid.size() - n, invalid, acceptance.balanceLeft(), acceptance.queuedAtMillis(),
                    List.of(results), false);
        });
    }

    /**
     * The answer to a request repeated with its Idempotency-Key: rebuilt from the stored record (the ids and
     * counts the first answer gave; the validation of an identical body gives the same results again).
     */
    private Outcome replay(String record, IdempotentRequest request, SendResult[] results,
            List<CreditScripts.Outgoing> valid, List<Integer> validIndex, int invalid) {
        String[] parts = record.split("\\|", -1);
        if (parts.length != 5 || !parts[0].equals(request.requestHash())) {
            throw new ApiException(422, "idempotency-key-reused",
                    "This Idempotency-Key was used for a different request in the last 24 hours; use a new key.");
        }
        int n = Integer.parseInt(parts[1]);
        String[] ids = parts[4].isEmpty() ? new String[0] : parts[4].split(",");
        for (int k = 0; k < valid.size(); k++) {
            int index = validIndex.get(k);
            results[index] = k < n
                    ? SendResult.queued(index, UUID.fromString(ids[k]))
                    : SendResult.rejected(index, INSUFFICIENT_CREDIT, "the balance did not cover this message");
        }
        return new Outcome(n, valid.size() - n, invalid, Long.parseLong(parts[2]), Long.parseLong(parts[3]),
                List.of(results), true);
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
