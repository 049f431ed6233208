package com.acme.sms.worker.send.smpp;

import com.acme.sms.message.QueuedMessage;
import com.acme.sms.text.SmsText;
import com.acme.sms.worker.inbound.MobileOriginatedHandler;
import com.acme.sms.worker.inbound.MobileOriginatedSink;
import com.acme.sms.worker.receipt.ReceiptSink;
import com.acme.sms.worker.send.ProviderConfig;
import com.acme.sms.worker.send.SmsProvider;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.lookup.LookupIfProperty;
import io.quarkus.logging.Log;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jsmpp.bean.NumberingPlanIndicator;
import org.jsmpp.bean.TypeOfNumber;

/**
 * Sends through an SMSC over SMPP 3.4 ({@code sms.provider.kind=smpp}): every part of a message is one submit_sm with
 * a delivery receipt requested, spread over the bound sessions; the parts of one message go one after the other, so a
 * rejected part stops the rest. Every send answers before {@code sms.provider.timeout}, because the worker presumes a
 * batch without an answer sent: a part the SMSC keeps throttling, or one still unanswered then, fails transiently.
 *
 * <p>
 * Double sends: a transient failure is retried as a whole message. If the SMSC took some parts (or the part whose
 * answer was lost) before the failure, those reach the handset twice; this is the documented window of "the provider
 * took a message but returned no result", here widened to "took part of it".
 */
@ApplicationScoped
@LookupIfProperty(name = "sms.provider.kind", stringValue = "smpp")
public class SmppProvider implements SmsProvider {

    public static final String NO_SESSION = "no SMPP session bound";

    private final SmppSettings settings;
    private final SmppMetrics metrics;
    private final SmppSessionPool pool;
    private final AtomicInteger reference = new AtomicInteger();
    private final boolean configured;

    @Inject
    public SmppProvider(SmppConfig config, ProviderConfig provider, ReceiptSink receipts, MobileOriginatedHandler inbound,
            MeterRegistry registry) {
        this(SmppSettings.from(config, provider.timeout()), receipts, inbound, registry);
    }

    /** Tests of the sending side: mobile-originated messages are acknowledged and ignored. */
    public SmppProvider(SmppSettings settings, ReceiptSink receipts, MeterRegistry registry) {
        this(settings, receipts, mo -> {}, registry);
    }

    public SmppProvider(SmppSettings settings, ReceiptSink receipts, MobileOriginatedSink inbound,
            MeterRegistry registry) {
        if (settings.binds() < 1 || settings.window() < 1) {
            throw new IllegalArgumentException("sms.provider.smpp.binds and sms.provider.smpp.window must be at least 1");
        }
        this.settings = settings;
        this.metrics = new SmppMetrics(registry);
        this.pool = new SmppSessionPool(settings, new ReceiptListener(receipts, settings.receiptIdFormat(), metrics, inbound),
                metrics);
        this.configured = !settings.systemId().isBlank();
    }

    /** Binds in the background: a worker starts (and stays alive, unready) while the SMSC is away. */
    @PostConstruct
    public void start() {
        if (!configured) {
            Log.error("sms.provider.kind is smpp but sms.provider.smpp.system-id is not set: no SMPP session will bind,"
                    + " every send fails transiently");
            return;
        }
        Log.infof("SMPP provider: %d session(s) to %s:%d as %s, window %d, %s", settings.binds(), settings.host(),
                settings.port(), settings.systemId(), settings.window(),
                settings.throughput() > 0 ? settings.throughput() + " submit_sm/s per session" : "no throughput cap");
        if (settings.responseTimeout().compareTo(settings.providerTimeout()) >= 0) {
            Log.warnf("sms.provider.smpp.response-timeout (%s) is not shorter than sms.provider.timeout (%s): a slow"
                    + " submit_sm_resp is cut off by the provider timeout, and its message fails transiently (and may"
                    + " go out twice)", settings.responseTimeout(), settings.providerTimeout());
        }
        pool.start();
    }

    /** Unbinds every session; the SMSC keeps sending receipts to the other workers' sessions. */
    @PreDestroy
    public void stop() {
        pool.stop();
    }

    @Override
    public boolean ready() {
        return pool.boundCount() > 0;
    }

    public int boundSessions() {
        return pool.boundCount();
    }

    public int configuredSessions() {
        return pool.size();
    }

    /** For tests: how often the SMSC answered ESME_RTHROTTLED or ESME_RMSGQFUL. */
    public double throttledCount() {
        return metrics.throttledCount();
    }

    @Override
    public CompletionStage<List<Result>> send(List<QueuedMessage> messages) {
        if (messages.isEmpty()) {
            return CompletableFuture.completedFuture(List.of());
        }
        if (pool.boundCount() == 0) {
            // At once rather than at the timeout: the worker retries these later, and its batch moves on.
            return CompletableFuture.completedFuture(
                    messages.stream().map(m -> Result.failed(m, NO_SESSION, true, null)).toList());
        }
        long start = System.nanoTime();
        long budget = settings.providerTimeout().toNanos();
        long margin = Math.min(Duration.ofSeconds(1).toNanos(), budget / 5);
        // New submits start only before the soft deadline; whatever is still open at the hard one is answered as is.
        long softDeadline = start + budget - margin;
        long hardDeadlineMs = Math.max(1, (budget - margin / 2) / 1_000_000);
        List<CompletableFuture<Result>> results = new ArrayList<>(messages.size());
        for (QueuedMessage m : messages) {
            CompletableFuture<Result> result = new CompletableFuture<>();
            results.add(result);
            List<SmsText.Part> parts;
            try {
                parts = SmsText.parts(m.content(), reference.getAndIncrement() & 0xff);
            } catch (RuntimeException e) {
                result.complete(Result.failed(m, "text cannot be encoded as SMS: " + e.getMessage(), false, null));
                continue;
            }
            submitFrom(m, parts, 0, new ArrayList<>(parts.size()), result, softDeadline);
            result.completeOnTimeout(
                    Result.failed(m, "no answer from the SMSC within the provider timeout (it may have taken the "
                            + "message)", true, null),
                    hardDeadlineMs, TimeUnit.MILLISECONDS);
        }
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                .thenApply(v -> results.stream().map(CompletableFuture::join).toList());
    }

    private void submitFrom(QueuedMessage m, List<SmsText.Part> parts, int k, List<String> ids,
            CompletableFuture<Result> result, long deadline) {
        if (result.isDone()) {
            // Already answered (timed out): sending the rest would deliver a message reported as failed.
            return;
        }
        Optional<SmppConnection> session = pool.pick();
        if (session.isEmpty()) {
            result.complete(Result.failed(m, NO_SESSION + partNote(k, parts.size()), true, null));
            return;
        }
        session.get().submit(request(m, parts.get(k)), deadline).whenComplete((outcome, error) -> {
            if (error != null) {
                result.complete(Result.failed(m, "submit failed: " + error + partNote(k, parts.size()), true, null));
            } else if (outcome.ok()) {
                ids.add(outcome.messageId());
                if (k + 1 == parts.size()) {
                    result.complete(Result.sent(m, ids));
                } else {
                    submitFrom(m, parts, k + 1, ids, result, deadline);
                }
            } else {
                result.complete(failure(m, outcome, k, parts.size()));
            }
        });
    }

    private static Result failure(QueuedMessage m, PartOutcome outcome, int k, int total) {
        if (!outcome.transientFailure()) {
            String what = total > 1 ? "part " + (k + 1) + " of " + total : "the message";
            return Result.failed(m, "SMSC rejected " + what + ": " + outcome.error(), false, outcome.errorCode());
        }
        return Result.failed(m, outcome.error() + partNote(k, total), true, outcome.errorCode());
    }

    private static String partNote(int k, int total) {
        if (k == 0) {
            return total > 1 ? " (part 1 of " + total + ")" : "";
        }
        return " (part " + (k + 1) + " of " + total + "; the " + k + " before it were taken and go out again on retry)";
    }

    private SubmitRequest request(QueuedMessage m, SmsText.Part part) {
        String from = m.from() == null ? "" : m.from().trim();
        boolean numeric = from.matches("\\+?[0-9]+");
        TypeOfNumber sourceTon = numeric ? TypeOfNumber.valueOf((byte) settings.sourceTon())
                : from.isEmpty() ? TypeOfNumber.UNKNOWN : TypeOfNumber.ALPHANUMERIC;
        NumberingPlanIndicator sourceNpi = numeric ? NumberingPlanIndicator.valueOf((byte) settings.sourceNpi())
                : NumberingPlanIndicator.UNKNOWN;
        String to = m.to().startsWith("+") ? m.to().substring(1) : m.to();
        return new SubmitRequest(sourceTon, sourceNpi, numeric ? from.replace("+", "") : from,
                TypeOfNumber.valueOf((byte) settings.destTon()), NumberingPlanIndicator.valueOf((byte) settings.destNpi()),
                to, part.hasUdh() ? (byte) 0x40 : 0, part.encoding().dataCoding(), part.shortMessage(),
                validityPeriod(m.expiresAtMillis(), System.currentTimeMillis()));
    }

    /**
     * What is left of the message's validity, as a relative validity_period ("YYMMDDhhmmsstnnR"), so the SMSC drops
     * an OTP it could not deliver in time instead of delivering it late; null for a message without one (the SMSC's
     * default applies). At least one second: a relative period of zero means "the SMSC's default" to some SMSCs.
     */
    static String validityPeriod(long expiresAtMillis, long nowMillis) {
        if (expiresAtMillis <= 0) {
            return null;
        }
        long seconds = Math.max(1, (expiresAtMillis - nowMillis + 999) / 1000);
        long days = Math.min(99, seconds / 86_400);
        if (days == 99) {
            seconds = 99 * 86_400 + 23 * 3_600 + 59 * 60 + 59;
        }
        return String.format("0000%02d%02d%02d%02d000R", days, seconds % 86_400 / 3_600, seconds % 3_600 / 60,
                seconds % 60);
    }
}
