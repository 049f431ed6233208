package com.acme.sms.worker.health;

import com.acme.sms.worker.WorkerRunner;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Down when a consumer thread has died: the process then does no work and should be restarted. */
@Liveness
@ApplicationScoped
public class ConsumersLiveness implements HealthCheck {

    /** Distinct from the readiness check's name, so /q/health lists two checks a reader can tell apart. */
    public static final String NAME = "consumers alive";

    private final WorkerRunner runner;

    public ConsumersLiveness(WorkerRunner runner) {
        this.runner = runner;
    }

    @Override
    public HealthCheckResponse call() {
        long alive = runner.threads().stream().filter(Thread::isAlive).count();
        return HealthCheckResponse.named(NAME)
                .withData("queue", runner.type().map(t -> t.wireName()).orElse("none"))
                .withData("alive", alive)
                .withData("started", runner.threads().size())
                .status(alive == runner.threads().size())
                .build();
    }
}
