package com.acme.sms.worker.webhook;

import com.acme.sms.message.MessageType;
import com.acme.sms.webhook.WebhookSignature;
import com.acme.sms.webhook.WebhookUrlPolicy;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * POSTs the status events waiting in PostgreSQL (WebhookOutbox) to each client's webhook, signed, in batches of up
 * to {@code batch-size}, as soon as there are any. A receiver that answers 2xx within {@code timeout} has them; any
 * other answer, or none, and they are tried again after a growing wait with jitter, for {@code give-up-after}, then
 * kept in the client's failures list.
 *
 * <p>Its own threads, one client at a time each, at most {@code concurrency}: a slow or dead receiver holds one of
 * them (and the PostgreSQL connection whose transaction holds the events taken) for at most {@code timeout} per try
 * and never the consumers, the receipts or another client's turn; the events wait in PostgreSQL, not in memory.
 */
@ApplicationScoped
public class WebhookDispatcher {

    private final WebhookOutbox outbox;
    private final WebhookConfig config;
    private final WebhookUrlPolicy policy;
    private final ObjectMapper json;
    private final MeterRegistry registry;
    private final HttpClient http;
    /** The backlog gauge counts up to this many (see WebhookOutbox.backlog). */
    static final long BACKLOG_CAP = 1_000_000;
    /** The outcomes of a request, as sms.webhooks.batches counts them. */
    static final List<String> OUTCOMES = List.of("delivered", "http_4xx", "http_5xx", "http_other", "timeout",
            "connection", "url_not_allowed", "no_webhook");
    /** Due clients one scan looks for at most. */
    static final int SCAN_LIMIT = 256;

    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Counter> batches = new ConcurrentHashMap<>();
    private final Counter delivered;
    private final Counter givenUp;
    private final Timer latency;
    private final AtomicLong backlog = new AtomicLong();
    /** Notified when a client's delivery ends, so the dispatcher starts the next at once. */
    private final Object turns = new Object();
    private volatile boolean running;
    private Thread loop;
    private ExecutorService pool;
    private long lastErrorLog;

    public WebhookDispatcher(WebhookOutbox outbox, WebhookConfig config, ObjectMapper json, MeterRegistry registry) {
        this.outbox = outbox;
        this.config = config;
        this.policy = new WebhookUrlPolicy(config.allowHttp(), config.allowPrivateAddresses());
        this.json = json;
        this.registry = registry;
        // Redirects are not followed: a receiver could otherwise send the request on to an address the URL check
        // never saw.
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(config.timeout())
                .build();
        this.delivered = Counter.builder("sms.webhooks.events.delivered")
                .description("Webhook events a receiver acknowledged with a 2xx").register(registry);
        this.givenUp = Counter.builder("sms.webhooks.events.given.up")
                .description("Webhook events not delivered within give-up-after, moved to the failures list")
                .register(registry);
        this.latency = Timer.builder("sms.webhooks.delivery.latency")
                .description("From a message's status change to the receiver's 2xx for its event")
                .publishPercentileHistogram().register(registry);
        registry.gauge("sms.webhooks.backlog", backlog);
        // Every outcome from the start, at 0: a rate over a series that appears only with its first batch misses it.
        for (String outcome : OUTCOMES) {
            batchCounter(outcome);
        }
    }

    /** Whether this worker process delivers webhooks (sms.webhooks.dispatch) when it serves the given queue. */
    public boolean dispatchesFor(MessageType type) {
        return switch (config.dispatch().trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> type == MessageType.NORMAL;
        };
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        pool = Executors.newFixedThreadPool(config.concurrency(), r -> {
            Thread t = new Thread(r, "webhook-delivery");
            t.setDaemon(true);
            return t;
        });
        loop = new Thread(this::loop, "webhook-dispatcher");
        loop.setDaemon(true);
        loop.start();
        Log.infof("Delivering status webhooks (%d at a time, batches of %d)", config.concurrency(), config.batchSize());
    }

    /** Stops taking events; tries in flight end within the timeout (or their events are taken again later). */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        loop.interrupt();
        pool.shutdown();
        try {
            if (!pool.awaitTermination(config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        long nextBacklog = 0;
        long nextScan = 0;
        String after = null;
        // Clients found due by the last scan, not yet started. A scan probes the index once per client with events,
        // so it is not repeated for every request: only when these are used up, or after the poll interval.
        Deque<String> due = new ArrayDeque<>();
        while (running) {
            try {
                long now = System.currentTimeMillis();
                int free = config.concurrency() - inFlight.size();
                if (free > 0 && (due.isEmpty() || now >= nextScan)) {
                    due.clear();
                    // Round the clients in turn: the scan starts after the last one started, then wraps around, so
                    // clients late in the order get their turn when more are due than there are threads.
                    for (String c : outbox.dueClients(after, SCAN_LIMIT)) {
                        due.add(c);
                    }
                    if (after != null && due.size() < SCAN_LIMIT) {
                        for (String c : outbox.dueClients(null, SCAN_LIMIT - due.size())) {
                            if (!due.contains(c)) {
                                due.add(c);
                            }
                        }
                    }
                    nextScan = now + config.pollInterval().toMillis();
                }
                while (inFlight.size() < config.concurrency() && !due.isEmpty()) {
                    String client = due.poll();
                    if (inFlight.add(client)) {
                        after = client;
                        pool.execute(() -> deliverClient(client));
                    }
                }
                if (now >= nextBacklog) {
                    backlog.set(outbox.backlog(BACKLOG_CAP));
                    nextBacklog = now + 15_000;
                }
                // Until a delivery ends (a thread is free for the next client) or the poll interval passes.
                synchronized (turns) {
                    if (running && (due.isEmpty() || inFlight.size() >= config.concurrency())) {
                        turns.wait(config.pollInterval().toMillis());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                logRarely("Webhooks: could not look for due events", e);
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One client's turn: batch after batch while full ones wait, for about a second, then others get theirs. */
    private void deliverClient(String client) {
        try {
            long until = System.currentTimeMillis() + 1_000;
            while (running) {
                Optional<WebhookOutbox.Taken> taken = outbox.take(client, config.batchSize());
                if (taken.isEmpty()) {
                    return;
                }
                int size;
                try (WebhookOutbox.Taken batch = taken.get()) {
                    size = batch.events().size();
                    deliver(batch);
                }
                if (size < config.batchSize() || System.currentTimeMillis() > until) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            logRarely("Webhooks: delivery for client " + client + " failed; its events are taken again later", e);
        } finally {
            inFlight.remove(client);
            synchronized (turns) {
                turns.notifyAll();
            }
        }
    }

    /**
     * POSTs the taken events and records the outcome in the transaction that holds them: deleted when delivered,
     * due again later when not. The request's time is bounded, and so is the time the rows stay locked.
     */
    private void deliver(WebhookOutbox.Taken batch) throws Exception {
        List<WebhookOutbox.Event> events = batch.events();
        if (batch.hook().isEmpty()) {
            // The client removed its webhook after these were written: there is nobody to tell.
            batch.delivered();
            count("no_webhook");
            return;
        }
        WebhookOutbox.Hook hook = batch.hook().get();
        URI uri;
        try {
            uri = policy.check(hook.url());
        } catch (WebhookUrlPolicy.Refused e) {
            failed(batch, "url_not_allowed", "the URL is not allowed now: " + e.getMessage());
            return;
        }
        byte[] body = body(events);
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "sms-webhooks/1")
                .header(WebhookSignature.ID_HEADER, UUID.randomUUID().toString())
                .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(hook.secret(), timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        // The body is read and thrown away, and the whole exchange is bounded: a receiver that answers slowly or
        // streams forever cannot keep this thread, nor the rows it holds.
        CompletableFuture<HttpResponse<Void>> call = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
        int status;
        try {
            status = call.get(config.timeout().toMillis() + 500, TimeUnit.MILLISECONDS).statusCode();
        } catch (TimeoutException e) {
            call.cancel(true);
            failed(batch, "timeout", "no answer within " + config.timeout());
            return;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                failed(batch, "timeout", "no answer within " + config.timeout());
            } else {
                failed(batch, "connection", "could not reach the receiver: " + describe(cause));
            }
            return;
        }
        if (status >= 200 && status < 300) {
            batch.delivered();
            count("delivered");
            delivered.increment(events.size());
            Instant now = Instant.now();
            for (WebhookOutbox.Event e : events) {
                latency.record(Duration.between(e.occurredAt(), now));
            }
        } else {
            String kind = status >= 500 ? "http_5xx" : status >= 400 ? "http_4xx" : "http_other";
            failed(batch, kind, "the receiver answered " + status);
        }
    }

    private void failed(WebhookOutbox.Taken batch, String kind, String error) throws Exception {
        count(kind);
        int attempts = batch.events().stream().mapToInt(WebhookOutbox.Event::attempts).max().orElse(1);
        int gaveUp = batch.retryLater(backoff(attempts), error, config.giveUpAfter());
        if (gaveUp > 0) {
            givenUp.increment(gaveUp);
            Log.warnf("Webhooks: %d events could not be delivered within %s and are in the failures list (%s)", gaveUp,
                    config.giveUpAfter(), error);
        }
    }

    /** The wait before the next try: initial-backoff doubled per try so far, at most max-backoff, half to all of it. */
    Duration backoff(int attempts) {
        long initial = config.initialBackoff().toMillis();
        long max = config.maxBackoff().toMillis();
        long wait = initial << Math.min(Math.max(attempts - 1, 0), 30);
        wait = Math.min(wait <= 0 ? max : wait, max);
        return Duration.ofMillis(wait / 2 + ThreadLocalRandom.current().nextLong(wait / 2 + 1));
    }

    /** {"events": [...]}, written straight to bytes: a tree of nodes first cost a tenth of the worker's CPU. */
    private byte[] body(List<WebhookOutbox.Event> events) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * events.size());
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("events");
            for (WebhookOutbox.Event e : events) {
                g.writeStartObject();
                g.writeStringField("event_id", e.eventId().toString());
                g.writeStringField("message_id", e.messageId().toString());
                g.writeStringField("status", e.status());
                g.writeStringField("type", e.type());
                g.writeStringField("to", e.to());
                g.writeNumberField("segments", e.segments());
                g.writeStringField("error_code", e.errorCode());
                g.writeStringField("error_message", e.errorMessage());
                g.writeStringField("occurred_at", e.occurredAt().toString());
                g.writeNumberField("sequence", e.sequence());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private void count(String outcome) {
        batchCounter(outcome).increment();
    }

    private Counter batchCounter(String outcome) {
        return batches.computeIfAbsent(outcome, o -> Counter.builder("sms.webhooks.batches")
                .description("Webhook requests by outcome").tag("outcome", o).register(registry));
    }

    private static String describe(Throwable t) {
        return t == null ? "unknown" : t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    private synchronized void logRarely(String what, Exception e) {
        long now = System.currentTimeMillis();
        if (now - lastErrorLog > 10_000) {
            lastErrorLog = now;
            Log.warnf("%s: %s", what, describe(e));
        }
    }
}
