package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The SMS carrier's API. */
public interface SmsProvider {

    /**
     * The result of one send: {@code error} is null when the provider took the message; a {@code transient}
     * failure (provider overloaded, timeout) may succeed later, a permanent one (invalid number) never will.
     */
    record Result(QueuedMessage message, String error, boolean transientFailure) {
        public boolean sent() {
            return error == null;
        }

        public static Result sent(QueuedMessage message) {
            return new Result(message, null, false);
        }
    }

    /** Sends the messages concurrently; the results come in the same order. */
    CompletionStage<List<Result>> send(List<QueuedMessage> messages);
}
