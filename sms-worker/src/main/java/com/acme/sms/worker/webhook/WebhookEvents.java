package com.acme.sms.worker.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How the statements that change a message's status write its webhook event (V12) in the same statement: the event
 * exists exactly when the change was committed. One place for the shape, so the sends and the receipts agree.
 */
public final class WebhookEvents {

    /**
     * A CTE body that inserts an event per row of the given relation whose client has a webhook. The relation has
     * the columns message_id, status, client_id, type, to_number, segments, error_code, error_message and sequence.
     * The event id comes from the message and the status: writing the same change twice keeps one event, and a
     * receiver deduplicates by it. The join with {@code webhooks} costs nothing for a client without one.
     */
    private static final String INSERT = """
              INSERT INTO webhook_events (event_id, client_id, message_id, status, type, to_number, segments,
                                          error_code, error_message, occurred_at, sequence)
              SELECT md5(e.message_id::text || ':' || e.status)::uuid, e.client_id, e.message_id, e.status, e.type,
                     e.to_number, e.segments, e.error_code, e.error_message, now(), e.sequence
              FROM %s e JOIN webhooks w ON w.client_id = e.client_id
              ON CONFLICT (message_id, status) DO NOTHING
              RETURNING 1
            """;

    private WebhookEvents() {
    }

    /** The counter of events written (one registration, shared by the statements that write them). */
    public static Counter produced(MeterRegistry registry) {
        return Counter.builder("sms.webhooks.events.produced")
                .description("Webhook events written with their status change, for clients with a webhook")
                .register(registry);
    }

    /**
     * The INSERT for the named relation (a CTE, or a parenthesized SELECT); it returns a row per event written, so
     * the statement can count them: {@code (SELECT count(*) FROM events)}, for sms.webhooks.events.produced.
     */
    public static String insertFrom(String relation) {
        return INSERT.formatted(relation);
    }
}
