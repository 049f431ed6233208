package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** A stand-in carrier: every send takes the configured latency and fails by rate or by recipient prefix. */
@ApplicationScoped
public class SimulatedProvider implements SmsProvider {

    public static final String RANDOM_FAILURE = "provider unavailable (simulated random failure)";
    public static final String PREFIX_FAILURE = "recipient rejected by provider (simulated)";
    public static final String TRANSIENT_PREFIX_FAILURE = "provider timeout (simulated)";

    private final ProviderConfig config;
    private final SendLog sendLog;

    public SimulatedProvider(ProviderConfig config) {
        this.config = config;
        this.sendLog = config.sendLog().filter(p -> !p.isBlank()).map(p -> new SendLog(Path.of(p))).orElse(null);
    }

    @Override
    public CompletionStage<List<Result>> send(List<QueuedMessage> messages) {
        // A remote carrier takes the messages when the request reaches it and answers later: the outcome (and the
        // send log) is settled now, and only the answer waits for the latency. A worker that times out or dies
        // during the wait has therefore lost an answer, not the send, as it would with a real provider.
        List<Result> results = outcomes(messages);
        if (config.latencyMs() <= 0) {
            return CompletableFuture.completedFuture(results);
        }
        // All messages of the batch are "in flight" at once, so the batch takes one latency, not one per message.
        Executor later = CompletableFuture.delayedExecutor(config.latencyMs(), TimeUnit.MILLISECONDS);
        return CompletableFuture.supplyAsync(() -> results, later);
    }

    private List<Result> outcomes(List<QueuedMessage> messages) {
        String prefix = config.failPrefix().filter(p -> !p.isEmpty()).orElse(null);
        String transientPrefix = config.transientFailPrefix().filter(p -> !p.isEmpty()).orElse(null);
        double rate = config.failureRate();
        List<Result> results = new ArrayList<>(messages.size());
        for (QueuedMessage m : messages) {
            if (prefix != null && m.to().startsWith(prefix)) {
                results.add(new Result(m, PREFIX_FAILURE, false));
            } else if (transientPrefix != null && m.to().startsWith(transientPrefix)) {
                results.add(new Result(m, TRANSIENT_PREFIX_FAILURE, true));
            } else if (rate > 0 && ThreadLocalRandom.current().nextDouble() < rate) {
                results.add(new Result(m, RANDOM_FAILURE, true));
            } else {
                results.add(Result.sent(m));
            }
        }
        if (sendLog != null) {
            sendLog.append(results.stream().filter(Result::sent).map(r -> r.message().id()).toList());
        }
        return results;
    }
}
