package com.acme.sms.api.ratelimit;

import com.acme.sms.api.config.ApiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many sent-log reads each client has in flight on this API instance, and the bound on them
 * ({@code sms.api.sent-log-reads-in-flight}). A page can be 0.65 MB of JSON to build and send; a client that asks
 * for many at once would otherwise take as much of the CPU as it likes from everyone else (issue 16). A read beyond
 * the bound is refused at once with 429 and Retry-After, which costs next to nothing; the reads already running are
 * not slowed. Counted from the start of the request to the last byte of its answer.
 */
@ApplicationScoped
public class ReadsInFlight {

    /** Held for one read; closing it (once, whatever happens) frees the client's place. */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();
    private final int limit;

    public ReadsInFlight(ApiConfig config) {
        this.limit = config.sentLogReadsInFlight();
    }

    /**
     * A place for one more read of this client.
     *
     * @throws RateLimitedException when the client already has {@code sent-log-reads-in-flight} reads running here
     */
    public Permit acquire(String clientId) {
        if (limit == 0) {
            return () -> {};
        }
        boolean[] admitted = {false};
        // compute() runs atomically per key, so the check and the count cannot be split by another request.
        inFlight.compute(clientId, (k, n) -> {
            int now = n == null ? 0 : n;
            if (now >= limit) {
                return n;
            }
            admitted[0] = true;
            return now + 1;
        });
        if (!admitted[0]) {
            throw new RateLimitedException("reads-in-flight", 1, "This client already has " + limit
                    + " message-log reads in progress on this server; retry when one has finished.");
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                // Back to no entry at all at zero, so the map holds only clients with reads running.
                inFlight.computeIfPresent(clientId, (k, n) -> n <= 1 ? null : n - 1);
            }
        };
    }

    /** Reads this client has running here (for tests and metrics). */
    public int of(String clientId) {
        return inFlight.getOrDefault(clientId, 0);
    }
}
