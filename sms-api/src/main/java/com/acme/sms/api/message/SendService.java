package com.acme.sms.api.message;

import com.acme.sms.api.message.rest.OutgoingMessage;
import com.acme.sms.api.message.rest.SendResult;
import com.acme.sms.credit.CreditScripts;
import com.acme.sms.message.MessageType;
import com.acme.sms.message.UuidV7;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Accepting messages: validate each one, then charge and queue the valid ones in ONE Lua script, so that
 * charging and queueing happen together or not at all, and concurrent requests can never spend the same credit.
 */
@ApplicationScoped
public class SendService {

    public static final String INSUFFICIENT_CREDIT = "insufficient_credit";

    private final CreditScripts credit;
    private final MeterRegistry registry;
    private final Map<MessageType, Counter> accepted = new EnumMap<>(MessageType.class);
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

    public SendService(CreditScripts credit, MeterRegistry registry) {
        this.credit = credit;
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
            List<SendResult> results) {

        public int rejected() {
            return rejectedForCredit + rejectedInvalid;
        }
    }

    public Uni<Outcome> send(String clientId, MessageType type, List<OutgoingMessage> messages) {
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
            return Uni.createFrom().item(new Outcome(0, 0, invalid, null, 0, List.of(results)));
        }
        return credit.accept(clientId, type, valid).map(acceptance -> {
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
                    List.of(results));
        });
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
