package com.acme.sms.worker.provider;

import com.acme.sms.message.QueuedMessage;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The SMS carrier's API. */
public interface SmsProvider {

    /** The result of one send: {@code error} is null when the provider took the message. */
    record Result(QueuedMessage message, String error) {
        public boolean sent() {
            return error == null;
        }
    }

    /** Sends the messages concurrently; the results come in the same order. */
    CompletionStage<List<Result>> send(List<QueuedMessage> messages);
}
