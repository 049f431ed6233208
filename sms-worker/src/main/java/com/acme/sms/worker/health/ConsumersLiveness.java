package com.acme.sms.worker.health;

import com.acme.sms.worker.delivery.WorkerRunner;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/** Down when a consumer thread has died: the process then does no work and should be restarted. */
@Liveness
@ApplicationScoped
public class ConsumersLiveness implements HealthCheck {

    private final WorkerRunner runner;

    public ConsumersLiveness(WorkerRunner runner) {
        this.runner = runner;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("stream-consumers");
        long alive = runner.threads().stream().filter(Thread::isAlive).count();
        b.withData("queue", runner.type().map(t -> t.wireName()).orElse("none"));
        b.withData("consumers alive", alive);
        b.withData("consumers started", runner.threads().size());
        return b.status(alive == runner.threads().size()).build();
    }
}
