package com.acme.sms.worker.delivery;

import com.acme.sms.message.MessageType;
import com.acme.sms.message.QueuedMessage;
import com.acme.sms.queue.MessageCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A batch of stream entries decoded, before anything is decided: one piece of work per message (an entry
 * delivered twice in one batch counts once, at its latest attempt), the entries that cannot be decoded, and the
 * messages whose row PostgreSQL may already hold. Pure: built from the entries alone.
 *
 * @param entryIds every entry of the batch, all acknowledged at the end
 * @param work one per message, in the order of the entries
 * @param malformed entries that are not a message; they are dead-lettered
 * @param toLookUp the messages whose rows are looked up before sending: all of them, since after Redis lost data
 *     (failover to a lagging replica, a restore) an entry finished long ago comes back looking new
 */
public record Batch(List<String> entryIds, List<Work> work, List<Malformed> malformed, Set<UUID> toLookUp) {

    /** A decoded entry. */
    public record Work(StreamEntry entry, QueuedMessage message) {}

    /** An entry that is not a message, and why. */
    public record Malformed(StreamEntry entry, String problem) {}

    /**
     * @param reclaimed true for entries taken over from another consumer (no longer changes what is looked up)
     */
    public static Batch decode(MessageType type, List<StreamEntry> entries, boolean reclaimed) {
        List<String> entryIds = new ArrayList<>(entries.size());
        List<Malformed> malformed = new ArrayList<>();
        Map<UUID, Work> work = new LinkedHashMap<>();
        Set<UUID> toLookUp = new LinkedHashSet<>();
        for (StreamEntry e : entries) {
            entryIds.add(e.entryId());
            QueuedMessage m;
            try {
                m = MessageCodec.decode(type, e.fields());
            } catch (MessageCodec.MalformedEntryException | NumberFormatException bad) {
                malformed.add(new Malformed(e, bad.getMessage()));
                continue;
            }
            Work previous = work.get(m.id());
            if (previous != null && previous.message().attempt() >= m.attempt()) {
                continue; // the same message twice in one batch: handle its latest attempt once, ack both entries
            }
            work.put(m.id(), new Work(e, m));
            // One indexed query per batch, for every entry: a first delivery can meet a row too, after Redis lost data.
            toLookUp.add(m.id());
        }
        return new Batch(List.copyOf(entryIds), List.copyOf(work.values()), List.copyOf(malformed), toLookUp);
    }
}
