package com.acme.sms.worker.delivery;

import com.acme.sms.queue.QueueScripts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Messages whose rows PostgreSQL refused for their data (see {@code PersistStep}): whatever the provider answered,
 * each ends {@code failed}, is refunded like any failure, and its entry goes to the dead letters with the reason.
 * Kept apart from {@link DeliveryDecision} so the decision stays about what the worker chooses, this about what
 * PostgreSQL refused.
 */
final class RefusedRows {

    private RefusedRows() {}

    /** The outcomes, with each refused message's outcome replaced by a failure carrying PostgreSQL's reason. */
    static List<DeliveryDecision.Outcome> asFailed(List<DeliveryDecision.Outcome> outcomes, Map<UUID, String> refused) {
        if (refused.isEmpty()) {
            return outcomes;
        }
        List<DeliveryDecision.Outcome> replaced = new ArrayList<>(outcomes.size());
        for (DeliveryDecision.Outcome o : outcomes) {
            String reason = refused.get(o.message().id());
            replaced.add(reason == null ? o : DeliveryDecision.Outcome.failed(o.message(), reason));
        }
        return replaced;
    }

    /** The dead letters of the settlement and one for each refused message's entry. */
    static List<QueueScripts.DeadLetter> withDeadLetters(List<QueueScripts.DeadLetter> deadLetters,
            DeliveryDecision.Plan plan, Map<UUID, String> refused) {
        if (refused.isEmpty()) {
            return deadLetters;
        }
        List<QueueScripts.DeadLetter> all = new ArrayList<>(deadLetters);
        for (DeliveryDecision.Decided d : plan.decided()) {
            String reason = refused.get(d.message().id());
            if (reason != null) {
                StreamEntry entry = d.work().entry();
                Map<String, String> fields = new LinkedHashMap<>(entry.fields());
                fields.put("reason", reason);
                fields.put("entry", entry.entryId());
                all.add(new QueueScripts.DeadLetter(entry.entryId(), fields));
            }
        }
        return all;
    }
}
