package com.acme.sms.smsc;

import com.acme.sms.text.SmsText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Puts the parts of concatenated messages together, as a handset does, by source, destination and UDH reference. */
final class Reassembly {

    private record Key(String source, String destination, int reference, int total) {}

    private final Map<Key, Submitted[]> pending = new HashMap<>();

    /** The whole message once this part completes it (at once for a single part). */
    synchronized Optional<Delivered> add(Submitted part) {
        SmsText.Concat concat = part.hasUdh() ? SmsText.concatInfo(part.shortMessage()) : null;
        if (concat == null || concat.total() <= 1) {
            return Optional.of(new Delivered(part.source(), part.destination(), part.text(), List.of(part.messageId())));
        }
        Key key = new Key(part.source(), part.destination(), concat.reference(), concat.total());
        Submitted[] parts = pending.computeIfAbsent(key, k -> new Submitted[concat.total()]);
        int index = concat.sequence() - 1;
        if (index < 0 || index >= parts.length) {
            return Optional.empty();
        }
        // A part sent again replaces the first copy: the handset shows the message once it has every part.
        parts[index] = part;
        if (Arrays.stream(parts).anyMatch(p -> p == null)) {
            return Optional.empty();
        }
        pending.remove(key);
        StringBuilder text = new StringBuilder();
        List<String> ids = new ArrayList<>(parts.length);
        for (Submitted p : parts) {
            text.append(p.text());
            ids.add(p.messageId());
        }
        return Optional.of(new Delivered(part.source(), part.destination(), text.toString(), ids));
    }
}
