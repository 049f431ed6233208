package com.acme.sms.api.ratelimit;

import com.acme.sms.api.config.ApiConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How many bytes of sent-log pages each client may have this API instance build per second
 * ({@code sms.api.sent-log-bytes-per-second}), as a token bucket that holds two seconds' worth. Building and writing
 * a page costs CPU in proportion to its bytes: two reads in flight ({@link ReadsInFlight}) of the largest pages, asked
 * for without pause, still kept most of a core busy and took another client's p99 from 10 to 50 ms (issue 16). Bytes, not
 * requests, because a page of 100 short messages is 30 KB and one of 100 emoji messages 0.65 MB.
 *
 * <p>
 * A read is let in while the client's bucket is not empty and is charged what it wrote once its answer has ended,
 * so a page is never cut short and a client may owe up to one page; while it owes, its reads are refused at once
 * with 429 and a Retry-After of how long the bucket takes to refill to above zero. In memory, per instance, like the
 * reads in flight: it guards this instance's CPU and costs no Redis call. A client whose bucket is full again has no
 * entry, so memory follows the clients that read in the last few seconds.
 */
@ApplicationScoped
public class ReadBytesBudget {

    private static final long SWEEP_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Bytes available and when they were counted; less than zero while the client owes for its last page. */
    private record Bucket(double bytes, long atNanos) {}

    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final double perSecond;
    private final double capacity;
    private final LongSupplier clock;
    private volatile long lastSweep;

    @Inject
    public ReadBytesBudget(ApiConfig config) {
        this(config.sentLogBytesPerSecond().asLongValue(), System::nanoTime);
    }

    ReadBytesBudget(long bytesPerSecond, LongSupplier nanoClock) {
        this.perSecond = bytesPerSecond;
        this.capacity = 2.0 * bytesPerSecond;
        this.clock = nanoClock;
        this.lastSweep = nanoClock.getAsLong();
    }

    /**
     * Lets one read of this client in, or refuses it.
     *
     * @throws RateLimitedException while the client owes bytes for pages it read
     */
    public void admit(String clientId) {
        if (perSecond == 0) {
            return;
        }
        long now = clock.getAsLong();
        sweep(now);
        Bucket b = buckets.get(clientId);
        double available = b == null ? capacity : refilled(b, now);
        if (available <= 0) {
            long retryAfter = Math.max(1, (long) Math.ceil(-available / perSecond + 0.001));
            throw new RateLimitedException("read-bytes", retryAfter, "This client read more than "
                    + (long) perSecond + " bytes of message log per second on this server; retry after "
                    + retryAfter + " s, or use GET /api/messages/export for the whole log.");
        }
    }

    /** Charges the bytes a read of this client wrote (its answer has ended). */
    public void charge(String clientId, long bytes) {
        if (perSecond == 0 || bytes <= 0) {
            return;
        }
        long now = clock.getAsLong();
        buckets.compute(clientId, (k, b) -> new Bucket((b == null ? capacity : refilled(b, now)) - bytes, now));
    }

    /** Bytes this client may still read before it is refused; negative while it owes (for tests and metrics). */
    public double available(String clientId) {
        Bucket b = buckets.get(clientId);
        return b == null ? capacity : refilled(b, clock.getAsLong());
    }

    /** Clients with an entry: those whose bucket is not full. */
    public int clients() {
        return buckets.size();
    }

    private double refilled(Bucket b, long now) {
        return Math.min(capacity, b.bytes() + perSecond * (now - b.atNanos()) / 1e9);
    }

    /** At most once a second, drops the entries of clients whose bucket has filled up again. */
    private void sweep(long now) {
        long last = lastSweep;
        if (now - last < SWEEP_EVERY_NANOS) {
            return;
        }
        lastSweep = now;
        buckets.entrySet().removeIf(e -> refilled(e.getValue(), now) >= capacity);
    }
}
