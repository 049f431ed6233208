package com.acme.sms.worker.config;

import com.acme.sms.worker.send.ProviderConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Optional;

/**
 * Refuses to start a worker whose timeouts are out of order. A batch handed to the provider must be answered and
 * written to PostgreSQL before anyone may take it over; otherwise a live worker loses its batch while it waits, the
 * delivery count grows with every takeover, and the work is done twice. The heartbeat keeps a live batch anyway;
 * this order is what still holds when a heartbeat cannot reach Redis.
 */
@ApplicationScoped
public class TimeoutOrder {

    void onStart(@Observes StartupEvent event, WorkerConfig worker, ProviderConfig provider) {
        check(provider.timeout(), worker.persistTimeout(), worker.reclaimIdle()).ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
    }

    /** A persist attempt is bounded in whole seconds (JDBC's query timeout); at least one. */
    public static int persistSeconds(Duration persistTimeout) {
        long millis = Math.max(1, persistTimeout.toMillis());
        return (int) Math.min(Integer.MAX_VALUE, (millis + 999) / 1000);
    }

    /** Why the settings are refused, or empty when provider timeout + persist attempt &lt; reclaim-idle. */
    public static Optional<String> check(Duration providerTimeout, Duration persistTimeout, Duration reclaimIdle) {
        if (providerTimeout.isNegative() || providerTimeout.isZero()) {
            return Optional.of("sms.provider.timeout must be positive, was " + providerTimeout);
        }
        Duration persist = Duration.ofSeconds(persistSeconds(persistTimeout));
        if (providerTimeout.plus(persist).compareTo(reclaimIdle) >= 0) {
            return Optional.of(("sms.provider.timeout (%s) + sms.worker.persist-timeout (%s, in whole seconds)"
                    + " must be shorter than sms.worker.reclaim-idle (%s): otherwise another worker takes over a batch"
                    + " while its worker still waits for the provider or PostgreSQL. Raise SMS_WORKER_RECLAIM_IDLE or"
                    + " lower SMS_PROVIDER_TIMEOUT / SMS_WORKER_PERSIST_TIMEOUT.").formatted(providerTimeout, persist,
                            reclaimIdle));
        }
        return Optional.empty();
    }
}
