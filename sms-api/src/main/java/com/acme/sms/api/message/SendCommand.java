package com.acme.sms.api.message;

import com.acme.sms.message.MessageType;
import java.time.Instant;
import java.util.List;

/**
 * A request to send messages, as the service takes it: the edge has checked its shape (a type, 1 to the maximum
 * number of messages); the service applies the policy (validity, idempotency) and validates each message.
 *
 * @param messages in request order; an entry is null where the request had {@code null}
 * @param validitySeconds the validity the client asked for, or null for the type's default
 * @param idempotencyKey the Idempotency-Key header as sent, or null
 * @param sendAt when to send (checked to be 1 minute to 35 days ahead), or null for now
 */
public record SendCommand(String clientId, MessageType type, List<MessageDraft> messages, Integer validitySeconds,
        String idempotencyKey, Instant sendAt) {

    public SendCommand(String clientId, MessageType type, List<MessageDraft> messages, Integer validitySeconds,
            String idempotencyKey) {
        this(clientId, type, messages, validitySeconds, idempotencyKey, null);
    }
}
