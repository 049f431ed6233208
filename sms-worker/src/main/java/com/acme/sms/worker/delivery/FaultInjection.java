package com.acme.sms.worker.delivery;

import com.acme.sms.worker.config.WorkerConfig;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Crash points for the fault tests: with {@code sms.worker.crash-at} set, the process halts at that step like a
 * {@code kill -9} would, without shutdown hooks, so a test can prove that every step is safe to die at. Off
 * unless configured.
 */
@ApplicationScoped
public class FaultInjection {

    public static final String AFTER_READ = "after-read";
    public static final String AFTER_SEND = "after-send";
    public static final String AFTER_PERSIST = "after-persist";
    public static final String AFTER_REFUND = "after-refund";

    private final String crashAt;

    public FaultInjection(WorkerConfig config) {
        this.crashAt = config.crashAt().orElse(null);
        if (crashAt != null) {
            Log.warnf("Fault injection on: this worker halts at step '%s' of its first batch", crashAt);
        }
    }

    void reached(String step) {
        if (step.equals(crashAt)) {
            Log.warnf("Fault injection: halting at %s", step);
            Runtime.getRuntime().halt(137);
        }
    }
}
