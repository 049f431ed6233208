package com.acme.sms.api.ratelimit;

import com.acme.sms.api.config.ApiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The message exports running on this API instance: at most one per client, at most {@code sms.api.max-exports} in
 * all. An export holds a PostgreSQL connection for as long as it streams (minutes for millions of rows or a slow
 * reader), so without a bound a few clients could take the whole pool from the sends and reads of everyone else.
 * One more is refused at once with 429 and Retry-After; the exports already running are not slowed.
 */
@ApplicationScoped
public class ExportsInFlight {

    /** What a refused export is told to wait, in seconds: a typical export is over within that. */
    static final long RETRY_AFTER_SECONDS = 5;

    /** Held for one export; closing it (once, whatever happens) frees its places. */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    /** Clients with an export running; its size is the number of exports running. Guarded by itself. */
    private final Set<String> running = new HashSet<>();
    private final int limit;

    public ExportsInFlight(ApiConfig config) {
        this.limit = config.maxExports();
    }

    /**
     * A place for one export of this client.
     *
     * @throws RateLimitedException when the client already has an export running here, or this instance has
     *     {@code max-exports} running
     */
    public Permit acquire(String clientId) {
        synchronized (running) {
            if (running.contains(clientId)) {
                throw new RateLimitedException("exports-in-flight", RETRY_AFTER_SECONDS,
                        "This client already has an export running on this server; retry when it has finished.");
            }
            if (running.size() >= limit) {
                throw new RateLimitedException("exports-in-flight", RETRY_AFTER_SECONDS, limit == 0
                        ? "Exports are turned off on this server."
                        : "This server already runs " + limit + " exports; retry in a few seconds.");
            }
            running.add(clientId);
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                synchronized (running) {
                    running.remove(clientId);
                }
            }
        };
    }

    /** Exports running here (for tests). */
    public int running() {
        synchronized (running) {
            return running.size();
        }
    }

    /** Whether this client has an export running here (for tests). */
    public boolean runs(String clientId) {
        synchronized (running) {
            return running.contains(clientId);
        }
    }
}
