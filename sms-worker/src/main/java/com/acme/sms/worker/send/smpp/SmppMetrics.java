package com.acme.sms.worker.send.smpp;

import com.acme.sms.worker.receipt.ReceiptState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** What an operator watches on the SMPP link: sessions up, window use, throttling, answer times, receipts. */
final class SmppMetrics {

    private final MeterRegistry registry;
    private final AtomicInteger bound = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter throttled;
    private final Timer accepted;
    private final Timer refused;
    private final Map<String, Counter> receipts = new ConcurrentHashMap<>();

    SmppMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("sms.smpp.sessions.bound", bound, AtomicInteger::get)
                .description("SMPP sessions bound to the SMSC in this process").register(registry);
        Gauge.builder("sms.smpp.window.in.use", inFlight, AtomicInteger::get)
                .description("submit_sm sent and not yet answered, all sessions").register(registry);
        throttled = Counter.builder("sms.smpp.throttled")
                .description("submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL (sent again after a pause)")
                .register(registry);
        accepted = timer("ok");
        refused = timer("error");
        // Every state exists from the first scrape (at 0), as with the worker's other counters.
        for (ReceiptState s : ReceiptState.values()) {
            receipt(s.name(), 0);
        }
        receipt("unreadable", 0);
    }

    private Timer timer(String outcome) {
        return Timer.builder("sms.smpp.submit.latency").description("Time from submit_sm to its submit_sm_resp")
                .tag("outcome", outcome)
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(100),
                        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(registry);
    }

    void sessionBound() {
        bound.incrementAndGet();
    }

    void sessionLost() {
        bound.decrementAndGet();
    }

    void submitStarted() {
        inFlight.incrementAndGet();
    }

    void submitEnded(long nanos, boolean ok) {
        inFlight.decrementAndGet();
        (ok ? accepted : refused).record(Duration.ofNanos(nanos));
    }

    void throttled() {
        throttled.increment();
    }

    double throttledCount() {
        return throttled.count();
    }

    void receipt(String state) {
        receipt(state, 1);
    }

    private void receipt(String state, int n) {
        receipts.computeIfAbsent(state, s -> Counter.builder("sms.smpp.receipts")
                .description("Delivery receipts taken from the SMSC, by stat").tag("state", s).register(registry))
                .increment(n);
    }
}
