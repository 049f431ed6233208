package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import com.acme.sms.worker.config.Timeouts;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The send step: hands a batch to the provider and waits for every result. */
@ApplicationScoped
public class SendStep {

    private final SmsProvider provider;

    public SendStep(SmsProvider provider) {
        this.provider = provider;
    }

    /** The provider's results, in the order of {@code messages}. */
    public List<SmsProvider.Result> send(List<QueuedMessage> messages) throws InterruptedException {
        if (messages.isEmpty()) {
            return List.of();
        }
        try {
            return provider.send(messages).toCompletableFuture().get(Timeouts.PROVIDER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // The provider gave no answer: nothing is known to be sent, so the batch stays pending and is retried.
            throw new IllegalStateException("provider did not answer for a batch of " + messages.size(), e);
        }
    }
}
