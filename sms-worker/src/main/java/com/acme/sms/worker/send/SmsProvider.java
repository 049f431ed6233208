package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The carrier the workers hand messages to: the simulated one or an SMSC over SMPP ({@code sms.provider.kind}).
 * What the carrier later reports about a message it took (the delivery receipt) reaches the workers through a
 * {@link com.acme.sms.worker.receipt.ReceiptSink}, not through this interface.
 */
public interface SmsProvider {

    /**
     * The result of one send: {@code error} is null when the provider took the message; a {@code transient}
     * failure (provider overloaded, timeout) may succeed later, a permanent one (invalid number) never will.
     *
     * @param providerIds the ids the provider gave the message's parts, in part order (receipts come back with
     *     them); empty when it took none
     * @param errorCode the provider's own code for a failure (an SMPP command status such as {@code 0x0000000B}),
     *     or null
     */
    record Result(QueuedMessage message, String error, boolean transientFailure, List<String> providerIds,
            String errorCode) {

        public Result(QueuedMessage message, String error, boolean transientFailure) {
            this(message, error, transientFailure, List.of(), null);
        }

        public boolean sent() {
            return error == null;
        }

        public static Result sent(QueuedMessage message) {
            return new Result(message, null, false, List.of(), null);
        }

        public static Result sent(QueuedMessage message, List<String> providerIds) {
            return new Result(message, null, false, List.copyOf(providerIds), null);
        }

        public static Result failed(QueuedMessage message, String error, boolean transientFailure, String errorCode) {
            return new Result(message, error, transientFailure, List.of(), errorCode);
        }
    }

    /** Sends the messages concurrently; the results come in the same order. */
    CompletionStage<List<Result>> send(List<QueuedMessage> messages);

    /** Whether the provider can take messages now (an SMPP provider: at least one session bound). */
    default boolean ready() {
        return true;
    }
}
