package com.acme.sms.worker.delivery;

import com.acme.sms.live.LiveCounters;
import com.acme.sms.live.LiveEvent;
import com.acme.sms.message.MessageStatus;
import com.acme.sms.message.MessageType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

@ApplicationScoped
public class WorkerMetrics {

    static final Duration[] SLA_BUCKETS = {
        Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
        Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
        Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30),
        Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15)
    };

    private final MeterRegistry registry;
    /** The same events, summed over every process for the dashboard. */
    private final LiveCounters live;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<MessageType, Timer> latency = new ConcurrentHashMap<>();

    public WorkerMetrics(MeterRegistry registry, LiveCounters live) {
        this.registry = registry;
        this.live = live;
        // Registered up front, so every series exists (at 0) for dashboards and alerts from the first scrape.
        for (MessageType type : MessageType.values()) {
            processed(type, MessageStatus.SENT, 0);
            processed(type, MessageStatus.FAILED, 0);
            refunded(type, 0);
            deadLettered(type, 0);
            retried(type, 0);
            expired(type, 0);
            slaBreached(type, 0);
            timer(type);
        }
    }

    public void retried(MessageType type, int count) {
        counter("sms.retries", "Retries scheduled after transient provider failures", type, null, null).increment(count);
    }

    public void expired(MessageType type, int count) {
        counter("sms.messages.expired", "Messages failed because their validity ran out before sending", type, null, null)
                .increment(count);
    }

    /** Express messages delivered later than sms.worker.express-sla after acceptance. */
    public void slaBreached(MessageType type, int count) {
        counter("sms.sla.breaches", "Messages delivered later than their SLA", type, null, null).increment(count);
        live.add(LiveEvent.SLA_BREACHES, type, count);
    }

    /** Messages that reached a final state for the first time (redeliveries are not counted again). */
    public void processed(MessageType type, MessageStatus status, int count) {
        counter("sms.messages.processed", "Messages that reached a final state", type, "status", status.wireName())
                .increment(count);
        if (status == MessageStatus.SENT) {
            live.add(LiveEvent.SENT, type, count);
        } else if (status == MessageStatus.FAILED) {
            live.add(LiveEvent.FAILED, type, count);
        }
    }

    public void refunded(MessageType type, int count) {
        counter("sms.refunds", "Credits refunded for failed messages", type, null, null).increment(count);
        live.add(LiveEvent.REFUNDED, type, count);
    }

    public void deadLettered(MessageType type, int count) {
        counter("sms.dead.letters", "Entries moved to the dead-letter stream", type, null, null).increment(count);
    }

    /** Time from acceptance (Redis' clock in the accept script) to the provider taking the message. */
    public void delivered(MessageType type, Duration sinceAccepted) {
        Duration d = sinceAccepted.isNegative() ? Duration.ZERO : sinceAccepted;
        timer(type).record(d);
        live.latency(type, d);
    }

    private Timer timer(MessageType type) {
        return latency.computeIfAbsent(type, t -> Timer.builder("sms.delivery.latency")
                .description("Time from acceptance to sent")
                .tag("type", t.wireName())
                // Fixed buckets around the SLAs (express: 100 ms target) keep the series few and alertable.
                .serviceLevelObjectives(SLA_BUCKETS)
                .register(registry));
    }

    private Counter counter(String name, String description, MessageType type, String tag, String value) {
        String key = name + '/' + type + '/' + value;
        return counters.computeIfAbsent(key, k -> {
            Counter.Builder b = Counter.builder(name).description(description).tag("type", type.wireName());
            if (tag != null) {
                b.tag(tag, value);
            }
            return b.register(registry);
        });
    }
}
