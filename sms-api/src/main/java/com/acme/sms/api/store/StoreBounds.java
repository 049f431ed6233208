package com.acme.sms.api.store;

import com.acme.sms.api.config.ApiConfig;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;

/**
 * The one bound on every wait for Redis or PostgreSQL on a request's path ({@code sms.api.store-timeout}). A store that
 * stops answering (paused, failing over, a lock held on a table) must turn into a quick 503 with Retry-After, not into
 * requests that pile up holding threads, connections and memory until it comes back.
 *
 * <ul>
 * <li>Redis: every reactive call is given up after the timeout ({@link #redis}); blocking calls go through
 * {@code quarkus.redis.timeout}, set to the same value. A call given up may still be queued on its connection and run
 * later, so a call that changes something must be harmless when it runs late: accept.lua takes a deadline
 * ({@link #deadlineMillis}) and refuses a request that Redis reaches after it.</li>
 * <li>PostgreSQL: every statement carries a query timeout ({@link #queryTimeoutSeconds}), and taking a connection from
 * the pool waits at most {@code quarkus.datasource.jdbc.acquisition-timeout}, also set to the same value.</li>
 * </ul>
 */
@ApplicationScoped
public class StoreBounds {

    public static final String REDIS = "redis";
    public static final String POSTGRESQL = "postgresql";
    /** What a 503 for an unavailable store tells the client to wait, in seconds. */
    public static final long RETRY_AFTER_SECONDS = 5;

    private final Duration timeout;

    public StoreBounds(ApiConfig config) {
        this.timeout = config.storeTimeout();
    }

    public Duration timeout() {
        return timeout;
    }

    /** The call, failing with {@link StoreUnavailableException} when Redis has not answered within the timeout. */
    public <T> Uni<T> redis(Uni<T> call) {
        return call.ifNoItem().after(timeout).failWith(() -> new StoreUnavailableException(REDIS,
                "Redis did not answer within " + timeout.toMillis() + " ms; nothing was changed. Try again shortly.", null));
    }

    /**
     * The latest moment, in epoch milliseconds by this process' clock, at which Redis may still carry out a call that
     * starts now and that the client must not see fail after its effect: three quarters of the timeout. The last
     * quarter (500 ms by default) is the margin for the answer to travel back and for the API's and Redis' clocks to
     * disagree (docs/adr/0010). Not half: on a loaded machine a call can wait a second for a pooled connection, and
     * would be refused although the client was still waiting for it.
     */
    public long deadlineMillis() {
        return System.currentTimeMillis() + timeout.toMillis() - margin();
    }

    /** How far the API's and Redis' clocks may disagree, with the answer's travel time, for the deadline to hold. */
    public long margin() {
        return timeout.toMillis() / 4;
    }

    /** The JDBC query timeout: whole seconds, as JDBC counts them, rounded up. */
    public int queryTimeoutSeconds() {
        return (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    /**
     * Whether a PostgreSQL failure means "not now" rather than a defect: a connection failure (SQL state class 08),
     * a statement cancelled by its timeout (57014), a lock not granted (55P03), a server starting, stopping or out of
     * connections (57P, 53), no pooled connection free within the acquisition timeout, or a pool closing with the
     * process.
     */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state != null && (state.startsWith("08") || state.equals("57014") || state.equals("55P03")
                        || state.startsWith("57P") || state.startsWith("53"))) {
                    return true;
                }
                // Agroal's pool answers a wait beyond its acquisition timeout with a plain SQLException.
                // ("Acquisition timeout while waiting for new connection" when PostgreSQL is down: bin/nemesis.)
                String message = String.valueOf(sql.getMessage()).toLowerCase(java.util.Locale.ROOT);
                if (state == null && message.contains("acquisition timeout")) {
                    return true;
                }
                // The pool of an API that is stopping (SIGTERM) refuses new connections; a read that was waiting for
                // one (PostgreSQL down at that moment) is one another instance can answer.
                if (state == null && (message.contains("pool is shutting down") || message.contains("pool is closed"))) {
                    return true;
                }
                // The pool gave up on a new connection to a PostgreSQL that accepts and never answers (frozen): the
                // driver reports its interrupted connect as "something unusual" (DataStoreOutagesIT).
                if (sql.getCause() != null
                        && String.valueOf(sql.getCause().getMessage()).startsWith("Interrupted while attempting to connect")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A PostgreSQL failure as the client should see it: {@link StoreUnavailableException} when it means "not now". */
    public static RuntimeException postgresFailure(String what, SQLException failure) {
        if (isUnavailable(failure)) {
            return new StoreUnavailableException(POSTGRESQL,
                    "PostgreSQL did not answer in time; nothing was changed. Try again shortly.", failure);
        }
        return new IllegalStateException(what + " failed", failure);
    }
}
