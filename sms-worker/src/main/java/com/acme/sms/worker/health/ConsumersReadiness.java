package com.acme.sms.worker.health;

import com.acme.sms.worker.WorkerRunner;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only once the consumer loops run: the HTTP port opens before the schema check and the consumer group
 * setup, and a worker that has not started consuming is not yet doing its job.
 */
@Readiness
@ApplicationScoped
public class ConsumersReadiness implements HealthCheck {

    public static final String NAME = "consumers reading";

    private final WorkerRunner runner;

    public ConsumersReadiness(WorkerRunner runner) {
        this.runner = runner;
    }

    @Override
    public HealthCheckResponse call() {
        long alive = runner.threads().stream().filter(Thread::isAlive).count();
        return HealthCheckResponse.named(NAME)
                .withData("queue", runner.type().map(t -> t.wireName()).orElse("none"))
                .withData("alive", alive)
                .status(alive > 0 && alive == runner.threads().size())
                .build();
    }
}
