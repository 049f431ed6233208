package com.acme.sms.api.message;

import com.acme.sms.message.Message;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import com.acme.sms.api.config.ApiConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Reads a client's messages from PostgreSQL; every query is bound to the caller's client id. */
@ApplicationScoped
public class SentLog {

    private final EntityManager em;
    private final long cacheTtlNanos;
    private final int cacheSize;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private final Counter hits;
    private final Counter misses;

    private record Cached(Page page, long expiresAtNanos) {}

    public SentLog(EntityManager em, ApiConfig config, MeterRegistry registry) {
        this.em = em;
        this.cacheTtlNanos = config.sentLogCacheTtl().toNanos();
        this.cacheSize = config.sentLogCacheSize();
        this.hits = Counter.builder("sms.sentlog.cache").tag("result", "hit")
                .description("Sent-log pages served from memory").register(registry);
        this.misses = Counter.builder("sms.sentlog.cache").tag("result", "miss")
                .description("Sent-log pages read from PostgreSQL").register(registry);
    }

    /** One page of the client's log, from memory when the same page was read within the cache period. */
    public Page find(String clientId, Filter f) {
        if (cacheTtlNanos <= 0) {
            return query(clientId, f);
        }
        String key = clientId + '|' + f;
        long now = System.nanoTime();
        Cached cached = cache.get(key);
        if (cached != null && now - cached.expiresAtNanos() < 0) {
            hits.increment();
            return cached.page();
        }
        misses.increment();
        Page page = query(clientId, f);
        if (cache.size() >= cacheSize) {
            cache.values().removeIf(c -> now - c.expiresAtNanos() >= 0);
            if (cache.size() >= cacheSize) {
                cache.clear(); // all fresh: a burst of distinct pages; start over rather than grow
            }
        }
        cache.put(key, new Cached(page, now + cacheTtlNanos));
        return page;
    }

    /** Filters of the sent-log; bounds are half-open: {@code from <= queued_at < until}. */
    public record Filter(MessageStatus status, MessageType type, Instant from, Instant until, int page, int pageSize) {}

    public record Page(long total, List<Message> messages) {}

    private Page query(String clientId, Filter f) {
        // Only fixed fragments are concatenated; every value is a bound parameter.
        StringBuilder where = new StringBuilder("client_id = :client");
        Map<String, Object> params = new HashMap<>();
        params.put("client", clientId);
        if (f.status() != null) {
            where.append(" AND status = :status");
            params.put("status", f.status().wireName());
        }
        if (f.type() != null) {
            where.append(" AND type = :type");
            params.put("type", f.type().wireName());
        }
        if (f.from() != null) {
            where.append(" AND queued_at >= :from");
            params.put("from", f.from().atOffset(ZoneOffset.UTC));
        }
        if (f.until() != null) {
            where.append(" AND queued_at < :until");
            params.put("until", f.until().atOffset(ZoneOffset.UTC));
        }
        // The page's ids come from the covering index alone (an index-only scan, however deep the page); only the
        // page's own rows are then read from the table.
        Query page = em.createNativeQuery("WITH page AS MATERIALIZED (SELECT id, queued_at FROM messages WHERE " + where
                + " ORDER BY queued_at DESC, id DESC LIMIT :limit OFFSET :offset)"
                + " SELECT m.* FROM page JOIN messages m ON m.id = page.id ORDER BY page.queued_at DESC, page.id DESC",
                Message.class);
        params.forEach(page::setParameter);
        page.setParameter("limit", f.pageSize());
        page.setParameter("offset", (long) (f.page() - 1) * f.pageSize());
        @SuppressWarnings("unchecked")
        List<Message> messages = page.getResultList();
        long total;
        if (messages.size() < f.pageSize() && (f.page() == 1 || !messages.isEmpty())) {
            // The page tells the total by itself.
            total = (long) (f.page() - 1) * f.pageSize() + messages.size();
        } else {
            Query count = em.createNativeQuery("SELECT count(*) FROM messages WHERE " + where);
            params.forEach(count::setParameter);
            total = ((Number) count.getSingleResult()).longValue();
        }
        return new Page(total, messages);
    }

    public Optional<Message> findOne(String clientId, UUID id) {
        return Message.<Message>findByIdOptional(id).filter(m -> m.clientId.equals(clientId));
    }
}
