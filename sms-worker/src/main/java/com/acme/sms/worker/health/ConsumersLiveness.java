package com.acme.sms.worker.health;

import com.acme.sms.worker.WorkerRunner;
import com.acme.sms.worker.config.HealthConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down when a consumer thread has died, or when one has not finished a loop for {@code sms.health.stuck-after}
 * (held by a batch it cannot finish, a store call that never returns): the process then does no work and should
 * be restarted; its batch stays pending and another worker takes it over.
 */
@Liveness
@ApplicationScoped
public class ConsumersLiveness implements HealthCheck {

    /** Distinct from the readiness check's name, so /q/health lists two checks a reader can tell apart. */
    public static final String NAME = "consumers alive";

    private final WorkerRunner runner;
    private final HealthConfig config;

    public ConsumersLiveness(WorkerRunner runner, HealthConfig config) {
        this.runner = runner;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        long alive = runner.threads().stream().filter(Thread::isAlive).count();
        long now = System.currentTimeMillis();
        long stuck = runner.consumers().stream()
                .filter(c -> c.millisSinceProgress(now) > config.stuckAfter().toMillis()).count();
        return HealthCheckResponse.named(NAME)
                .withData("queue", runner.type().map(t -> t.wireName()).orElse("none"))
                .withData("alive", alive)
                .withData("started", runner.threads().size())
                .withData("stuck", stuck)
                .status(alive == runner.threads().size() && stuck == 0)
                .build();
    }
}
