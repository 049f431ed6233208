package com.acme.sms.worker.finish;

import com.acme.sms.message.MessageType;
import com.acme.sms.queue.QueueScripts;
import com.acme.sms.worker.config.Timeouts;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The finish step, last of a batch: in ONE Redis script (lua/ack.lua) it schedules the retries, acknowledges and
 * deletes the entries and appends the dead letters. Atomic, so a crash leaves either all of it or none, and an
 * entry finished before gets no second dead letter.
 */
@ApplicationScoped
public class FinishStep {

    /** A retry to schedule: when it is due and the fields of the entry that carries the next attempt. */
    public record Retry(long dueMillis, Map<String, String> fields) {}

    private final QueueScripts queue;
    private final ObjectMapper json;

    public FinishStep(QueueScripts queue, ObjectMapper json) {
        this.queue = queue;
        this.json = json;
    }

    public QueueScripts.Finished finish(MessageType type, List<String> entryIds, List<Retry> retries,
            List<QueueScripts.DeadLetter> deadLetters) {
        return finish(type, entryIds, retries, deadLetters, List.of());
    }

    /** Also ends the "handed to the provider" records of the batch's messages, in the same script. */
    public QueueScripts.Finished finish(MessageType type, List<String> entryIds, List<Retry> retries,
            List<QueueScripts.DeadLetter> deadLetters, List<String> handedMessageIds) {
        List<QueueScripts.Retry> scheduled = new ArrayList<>(retries.size());
        for (Retry r : retries) {
            scheduled.add(new QueueScripts.Retry(r.dueMillis(), deterministicJson(r.fields())));
        }
        return queue.finish(type, entryIds, scheduled, deadLetters, handedMessageIds).await().atMost(Timeouts.REDIS);
    }

    /** Sorted fields, so the same retry scheduled twice is the same member of the schedule and waits there once. */
    private String deterministicJson(Map<String, String> fields) {
        try {
            return json.writeValueAsString(new TreeMap<>(fields));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
