package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The send step: hands a batch to the provider and waits for every result. */
@ApplicationScoped
public class SendStep {

    static final Set<String> KINDS = Set.of("simulated", "smpp");

    private final Instance<SmsProvider> providers;
    private final ProviderConfig config;
    private volatile SmsProvider provider;

    /** The provider is chosen at run time by {@code sms.provider.kind} (LookupIfProperty on each implementation). */
    public SendStep(Instance<SmsProvider> providers, ProviderConfig config) {
        this.providers = providers;
        this.config = config;
    }

    /** Takes the provider up at start, so an SMPP provider binds before the first batch instead of during it. */
    void onStart(@Observes StartupEvent event) {
        Log.infof("SMS provider: %s (ready: %s)", config.kind(), provider().ready());
    }

    public SmsProvider provider() {
        SmsProvider p = provider;
        if (p == null) {
            if (!KINDS.contains(config.kind())) {
                throw new IllegalStateException(
                        "sms.provider.kind must be one of " + KINDS + ", is '" + config.kind() + "'");
            }
            p = providers.get();
            provider = p;
        }
        return p;
    }

    /**
     * The provider's results (the decision matches them to the messages by id: a message without one gets an
     * outcome all the same).
     */
    public List<SmsProvider.Result> send(List<QueuedMessage> messages) throws InterruptedException {
        if (messages.isEmpty()) {
            return List.of();
        }
        try {
            return provider().send(messages).toCompletableFuture().get(config.timeout().toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The provider gave no answer: the batch stays pending, and whoever takes it over finds the messages
            // handed (HandedRecords) and presumes them sent rather than risk sending them twice.
            throw new IllegalStateException("provider did not answer for a batch of " + messages.size(), e);
        }
    }
}
