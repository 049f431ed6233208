package com.acme.sms.acceptance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What accept.lua remembers of a request sent with an Idempotency-Key, so that a repeat is charged nothing and told
 * the same. accept.lua writes it as {@code request hash|accepted|balance left|acceptance millis|id,id,...}; this is
 * the one place that reads that format.
 *
 * @param ids the ids of the accepted messages, in request order ({@code accepted} of them)
 */
public record IdempotencyRecord(String requestHash, int accepted, long balanceLeft, long queuedAtMillis, List<UUID> ids) {

    /** Empty when the value is not such a record (it can then never match a request). */
    public static Optional<IdempotencyRecord> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String[] parts = value.split("\\|", -1);
        if (parts.length != 5) {
            return Optional.empty();
        }
        try {
            int accepted = Integer.parseInt(parts[1]);
            List<UUID> ids = new ArrayList<>(accepted);
            if (!parts[4].isEmpty()) {
                for (String id : parts[4].split(",")) {
                    ids.add(UUID.fromString(id));
                }
            }
            if (ids.size() != accepted) {
                return Optional.empty();
            }
            return Optional.of(new IdempotencyRecord(parts[0], accepted, Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), List.copyOf(ids)));
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }
}
