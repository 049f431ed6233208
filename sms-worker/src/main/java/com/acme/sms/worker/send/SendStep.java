package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The send step: hands a batch to the provider and waits for every result. */
@ApplicationScoped
public class SendStep {

    private final SmsProvider provider;
    private final ProviderConfig config;

    public SendStep(SmsProvider provider, ProviderConfig config) {
        this.provider = provider;
        this.config = config;
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
            return provider.send(messages).toCompletableFuture().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The provider gave no answer: the batch stays pending, and whoever takes it over finds the messages
            // handed (HandedRecords) and presumes them sent rather than risk sending them twice.
            throw new IllegalStateException("provider did not answer for a batch of " + messages.size(), e);
        }
    }
}
