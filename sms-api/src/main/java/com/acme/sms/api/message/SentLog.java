package com.acme.sms.api.message;

import com.acme.sms.message.Message;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads a client's messages from PostgreSQL; every query is bound to the caller's client id. */
@ApplicationScoped
public class SentLog {

    /** Filters of the sent-log; bounds are half-open: {@code from <= queued_at < until}. */
    public record Filter(MessageStatus status, MessageType type, Instant from, Instant until, int page, int pageSize) {}

    public record Page(long total, List<Message> messages) {}

    public Page find(String clientId, Filter f) {
        StringBuilder where = new StringBuilder("clientId = :client");
        Parameters params = Parameters.with("client", clientId);
        if (f.status() != null) {
            where.append(" and status = :status");
            params.and("status", f.status().wireName());
        }
        if (f.type() != null) {
            where.append(" and type = :type");
            params.and("type", f.type().wireName());
        }
        if (f.from() != null) {
            where.append(" and queuedAt >= :from");
            params.and("from", f.from().atOffset(ZoneOffset.UTC));
        }
        if (f.until() != null) {
            where.append(" and queuedAt < :until");
            params.and("until", f.until().atOffset(ZoneOffset.UTC));
        }
        PanacheQuery<Message> query = Message.find(where.toString(), Sort.descending("queuedAt", "id"), params)
                .page(f.page() - 1, f.pageSize());
        List<Message> messages = query.list();
        // The count is only needed when the page does not tell it by itself.
        long total = messages.size() < f.pageSize() && (f.page() == 1 || !messages.isEmpty())
                ? (long) (f.page() - 1) * f.pageSize() + messages.size()
                : query.count();
        return new Page(total, messages);
    }

    public Optional<Message> findOne(String clientId, UUID id) {
        return Message.<Message>findByIdOptional(id).filter(m -> m.clientId.equals(clientId));
    }
}
