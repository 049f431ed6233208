package com.acme.sms.worker.send;

import com.acme.sms.message.QueuedMessage;
import com.acme.sms.text.SmsText;
import com.acme.sms.worker.receipt.Receipt;
import com.acme.sms.worker.receipt.ReceiptSink;
import com.acme.sms.worker.receipt.ReceiptState;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in carrier: every send takes the configured latency and fails by rate or by recipient prefix; what it
 * took gets one id per part and, {@code sms.provider.receipt-delay} later, a delivery receipt per part (undelivered
 * for recipients with {@code sms.provider.undelivered-prefix}).
 */
@ApplicationScoped
@LookupIfProperty(name = "sms.provider.kind", stringValue = "simulated", lookupIfMissing = true)
public class SimulatedProvider implements SmsProvider {

    public static final String RANDOM_FAILURE = "provider unavailable (simulated random failure)";
    public static final String PREFIX_FAILURE = "recipient rejected by provider (simulated)";
    public static final String TRANSIENT_PREFIX_FAILURE = "provider timeout (simulated)";
    /** The receipt error of an undelivered message, as SMSCs give a network error code. */
    public static final String UNDELIVERED_ERROR = "001";

    /** Ids unique across worker processes: a random prefix per process, then a counter. */
    private static final String ID_PREFIX = Long.toHexString(new SecureRandom().nextLong() & 0xffffffffffL);

    private final ProviderConfig config;
    private final SendLog sendLog;
    private final ReceiptSink receipts;
    private final AtomicLong nextId = new AtomicLong();

    public SimulatedProvider(ProviderConfig config, ReceiptSink receipts) {
        this.config = config;
        this.receipts = receipts;
        this.sendLog = config.sendLog().filter(p -> !p.isBlank()).map(p -> new SendLog(Path.of(p))).orElse(null);
    }

    @Override
    public CompletionStage<List<Result>> send(List<QueuedMessage> messages) {
        // A remote carrier takes the messages when the request reaches it and answers later: the outcome (and the
        // send log) is settled now, and only the answer waits for the latency. A worker that times out or dies
        // during the wait has therefore lost an answer, not the send, as it would with a real provider.
        List<Result> results = outcomes(messages);
        scheduleReceipts(results);
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
                results.add(Result.sent(m, ids(SmsText.segments(m.content()))));
            }
        }
        if (sendLog != null) {
            sendLog.append(results.stream().filter(Result::sent).map(r -> r.message().id()).toList());
        }
        return results;
    }

    private List<String> ids(int parts) {
        List<String> ids = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            ids.add(ID_PREFIX + "-" + Long.toHexString(nextId.incrementAndGet()));
        }
        return ids;
    }

    /** One receipt per part, a receipt-delay later, handed to the sink in one call per batch. */
    private void scheduleReceipts(List<Result> results) {
        if (!config.receipts()) {
            return;
        }
        String undelivered = config.undeliveredPrefix().filter(p -> !p.isEmpty()).orElse(null);
        List<Receipt> due = new ArrayList<>();
        for (Result r : results) {
            if (!r.sent()) {
                continue;
            }
            boolean delivered = undelivered == null || !r.message().to().startsWith(undelivered);
            for (String id : r.providerIds()) {
                due.add(new Receipt(id, delivered ? ReceiptState.DELIVRD : ReceiptState.UNDELIV, null,
                        delivered ? null : UNDELIVERED_ERROR));
            }
        }
        if (due.isEmpty()) {
            return;
        }
        Executor later = CompletableFuture.delayedExecutor(config.receiptDelay().toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture.runAsync(() -> deliver(stamped(due), 0), later);
    }

    /** The done date is when the receipt is "sent back", as a carrier stamps it. */
    private static List<Receipt> stamped(List<Receipt> receipts) {
        Instant done = Instant.now();
        return receipts.stream().map(r -> new Receipt(r.providerId(), r.state(), done, r.errorCode())).toList();
    }

    /** A carrier resends a receipt it could not deliver; so does this one, a few times, a second apart. */
    private void deliver(List<Receipt> due, int tries) {
        try {
            receipts.accept(due);
        } catch (RuntimeException e) {
            if (tries >= 30) {
                Log.errorf(e, "Simulated provider: dropped %d receipts after %d tries", due.size(), tries + 1);
                return;
            }
            Executor later = CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS);
            CompletableFuture.runAsync(() -> deliver(due, tries + 1), later);
        }
    }
}
