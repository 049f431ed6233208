package com.acme.sms.acceptance;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What accept.lua remembers of a request sent with an Idempotency-Key, so that a repeat is charged nothing and told
 * the same. accept.lua writes it as {@code request hash|accepted|balance left|acceptance millis|id,id,...|p,p,...};
 * this is the one place that reads that format. Records written before opt-outs existed have no last field.
 *
 * @param ids the ids of the accepted messages, in request order ({@code accepted} of them)
 * @param optedOut the positions (from 0, among the messages given to the script) of those to opted-out numbers
 */
public record IdempotencyRecord(String requestHash, int accepted, long balanceLeft, long queuedAtMillis, List<UUID> ids,
        List<Integer> optedOut) {

    /** Empty when the value is not such a record (it can then never match a request). */
    public static Optional<IdempotencyRecord> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String[] parts = value.split("\\|", -1);
        if (parts.length != 5 && parts.length != 6) {
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
            List<Integer> optedOut = new ArrayList<>();
            if (parts.length == 6 && !parts[5].isEmpty()) {
                for (String position : parts[5].split(",")) {
                    optedOut.add(Integer.parseInt(position));
                }
            }
            return Optional.of(new IdempotencyRecord(parts[0], accepted, Long.parseLong(parts[2]),
                    Long.parseLong(parts[3]), List.copyOf(ids), List.copyOf(optedOut)));
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
    }
}
