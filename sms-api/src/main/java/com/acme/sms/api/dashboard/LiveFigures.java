package com.acme.sms.api.dashboard;

import com.acme.sms.live.LiveCounters;
import com.acme.sms.live.LiveEvent;
import com.acme.sms.message.MessageType;
import com.acme.sms.queue.Streams;
import com.acme.sms.redis.LuaScript;
import com.acme.sms.redis.LuaScripts;
import com.acme.sms.redis.RedisKeys;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.redis.datasource.RedisDataSource;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The read side of the dashboard: what the whole system is doing now, from Redis alone (queues, consumers, the live
 * counters every process adds to, see {@link LiveCounters}), so it shows the same on every API instance and costs
 * PostgreSQL nothing. One read serves every viewer of this instance for a second; the two figures that walk many
 * keys (top clients, total credit) are read at most every {@value #SLOW_FIGURES_MS} ms.
 */
@ApplicationScoped
public class LiveFigures {

    static final long STATE_MS = 1_000;
    static final long SLOW_FIGURES_MS = 10_000;
    static final int LATENCY_WINDOW_STEPS = 6; // 30 s per point of the latency chart
    static final int HEADLINE_LATENCY_STEPS = 60; // 5 min for the p50/p99 shown as numbers
    /** A worker that has not reported for this long is shown as gone; after an hour it is forgotten. */
    static final long ALIVE_MS = 5_000;
    static final long FORGET_MS = Duration.ofHours(1).toMillis();
    static final int TOP_CLIENTS = 10;
    private static final LuaScript LIVE_READ = LuaScript.load("live_read");

    private final RedisDataSource redis;
    private final LuaScripts scripts;
    private final ObjectMapper json;
    private final Duration expressSla;

    private Map<String, Object> state;
    private long stateAt;
    private List<Map<String, Object>> topClients = List.of();
    private long totalCredit;
    private Instant creditAsOf;
    private long slowAt;

    public LiveFigures(RedisDataSource redis, LuaScripts scripts, ObjectMapper json,
            @ConfigProperty(name = "sms.worker.express-sla", defaultValue = "100ms") Duration expressSla) {
        this.redis = redis;
        this.scripts = scripts;
        this.json = json;
        this.expressSla = expressSla;
    }

    public synchronized Map<String, Object> state() {
        long now = System.currentTimeMillis();
        if (state == null || now - stateAt >= STATE_MS) {
            if (now - slowAt >= SLOW_FIGURES_MS) {
                topClients = topClients(now);
                totalCredit = totalCredit();
                creditAsOf = Instant.ofEpochMilli(now);
                slowAt = now;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("generated_at", Instant.ofEpochMilli(now).toString());
            List<Map<String, Object>> queues = new ArrayList<>();
            List<Map<String, Object>> consumers = new ArrayList<>();
            for (MessageType type : MessageType.values()) {
                queues.add(queue(type, now));
                consumers.addAll(consumers(type));
            }
            s.put("queues", queues);
            List<Map<String, String>> steps = steps(now);
            s.put("rates", rates(now, steps));
            s.put("express_latency", latency(now, steps));
            s.put("workers", Map.of("processes", processes(now), "consumers", consumers));
            s.put("top_clients", topClients);
            s.put("total_credit", totalCredit);
            s.put("credit_as_of", creditAsOf.toString());
            state = s;
            stateAt = now;
        }
        return state;
    }

    private Map<String, Object> queue(MessageType type, long now) {
        String key = RedisKeys.stream(type);
        long depth = redis.stream(String.class).xlen(key);
        Map<String, String> group = group(key);
        long pending = number(group.get("pending"));
        String lastDelivered = group.getOrDefault("last-delivered-id", "0-0");
        // Read, acknowledged entries are deleted: what stands after the group's last delivered id waits.
        Response first = redis.execute("XRANGE", key, "0-0".equals(lastDelivered) ? "-" : "(" + lastDelivered, "+",
                "COUNT", "1");
        Long oldestAge = null;
        if (first != null && first.size() > 0) {
            String id = first.get(0).get(0).toString();
            oldestAge = Math.max(0, now - Long.parseLong(id.substring(0, id.indexOf('-'))));
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("type", type.wireName());
        q.put("depth", depth);
        q.put("waiting", Math.max(0, depth - pending));
        q.put("in_flight", pending);
        q.put("oldest_waiting_age_ms", oldestAge);
        q.put("scheduled_retries", redis.sortedSet(String.class).zcard(RedisKeys.retryKey(type)));
        q.put("dead_letters", redis.stream(String.class).xlen(RedisKeys.deadLetterKey(type)));
        q.put("paused", redis.key(String.class).exists(RedisKeys.paused(type)));
        return q;
    }

    private Map<String, String> group(String key) {
        if (!redis.key(String.class).exists(key)) {
            return Map.of();
        }
        for (Response g : redis.execute("XINFO", "GROUPS", key)) {
            Map<String, String> fields = fields(g);
            if (Streams.GROUP.equals(fields.get("name"))) {
                return fields;
            }
        }
        return Map.of();
    }

    private List<Map<String, Object>> consumers(MessageType type) {
        String key = RedisKeys.stream(type);
        if (group(key).isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (Response c : redis.execute("XINFO", "CONSUMERS", key, Streams.GROUP)) {
            Map<String, String> f = fields(c);
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("queue", type.wireName());
            view.put("name", f.get("name"));
            view.put("pending", number(f.get("pending")));
            view.put("idle_ms", number(f.get("idle")));
            list.add(view);
        }
        return list;
    }

    /** The window's steps, oldest first, each as field to count; the step now running is not complete and left out. */
    private List<Map<String, String>> steps(long now) {
        long last = lastCompleteStep(now);
        int n = (int) (LiveCounters.WINDOW.toSeconds() / LiveCounters.STEP_SECONDS);
        List<String> keys = new ArrayList<>(n);
        for (int i = n - 1; i >= 0; i--) {
            keys.add(RedisKeys.liveStep(last - (long) i * LiveCounters.STEP_SECONDS));
        }
        Response r = scripts.run(LIVE_READ, keys, List.of()).await().atMost(Duration.ofSeconds(5));
        List<Map<String, String>> steps = new ArrayList<>(n);
        for (Response step : r) {
            steps.add(fields(step));
        }
        return steps;
    }

    static long lastCompleteStep(long nowMillis) {
        long second = nowMillis / 1000;
        return second - second % LiveCounters.STEP_SECONDS - LiveCounters.STEP_SECONDS;
    }

    private Map<String, Object> rates(long now, List<Map<String, String>> steps) {
        long first = lastCompleteStep(now) - (long) (steps.size() - 1) * LiveCounters.STEP_SECONDS;
        List<Long> t = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            t.add(first + (long) i * LiveCounters.STEP_SECONDS);
        }
        Map<String, Object> series = new LinkedHashMap<>();
        for (LiveEvent event : LiveEvent.values()) {
            if (event == LiveEvent.SLA_BREACHES) {
                continue;
            }
            Map<String, Object> byType = new LinkedHashMap<>();
            for (MessageType type : MessageType.values()) {
                String field = LiveCounters.field(event, type);
                byType.put(type.wireName(), steps.stream()
                        .map(step -> Math.round(number(step.get(field)) * 10.0 / LiveCounters.STEP_SECONDS) / 10.0)
                        .toList());
            }
            series.put(event.wireName(), byType);
        }
        return Map.of("step_seconds", LiveCounters.STEP_SECONDS, "t", t, "series", series);
    }

    private Map<String, Object> latency(long now, List<Map<String, String>> steps) {
        int buckets = LiveCounters.LATENCY_BOUNDS_MS.length + 1;
        long first = lastCompleteStep(now) - (long) (steps.size() - 1) * LiveCounters.STEP_SECONDS;
        List<Long> t = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (int from = 0; from < steps.size(); from += LATENCY_WINDOW_STEPS) {
            long[] histogram = histogram(steps.subList(from, Math.min(steps.size(), from + LATENCY_WINDOW_STEPS)), buckets);
            t.add(first + (long) from * LiveCounters.STEP_SECONDS);
            p50.add(percentile(histogram, 0.50));
            p99.add(percentile(histogram, 0.99));
        }
        long[] recent = histogram(steps.subList(Math.max(0, steps.size() - HEADLINE_LATENCY_STEPS), steps.size()), buckets);
        long samples = 0;
        for (long c : recent) {
            samples += c;
        }
        String breachField = LiveCounters.field(LiveEvent.SLA_BREACHES, MessageType.EXPRESS);
        long breaches = steps.stream().mapToLong(step -> number(step.get(breachField))).sum();
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("sla_ms", expressSla.toMillis());
        l.put("window_seconds", HEADLINE_LATENCY_STEPS * LiveCounters.STEP_SECONDS);
        l.put("p50_ms", percentile(recent, 0.50));
        l.put("p99_ms", percentile(recent, 0.99));
        l.put("samples", samples);
        l.put("breaches_15m", breaches);
        l.put("t", t);
        l.put("p50_ms_series", p50);
        l.put("p99_ms_series", p99);
        return l;
    }

    private static long[] histogram(List<Map<String, String>> steps, int buckets) {
        long[] h = new long[buckets];
        for (Map<String, String> step : steps) {
            for (int b = 0; b < buckets; b++) {
                h[b] += number(step.get(LiveCounters.latencyField(MessageType.EXPRESS, b)));
            }
        }
        return h;
    }

    /**
     * The upper bound of the bucket the quantile falls in (ms), or null without samples. Coarse by design: the
     * buckets are those of the Prometheus histogram, placed around the SLA, where the answer matters.
     */
    static Double percentile(long[] histogram, double q) {
        long total = 0;
        for (long c : histogram) {
            total += c;
        }
        if (total == 0) {
            return null;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int b = 0; b < histogram.length; b++) {
            seen += histogram[b];
            if (seen >= rank) {
                long[] bounds = LiveCounters.LATENCY_BOUNDS_MS;
                return (double) bounds[Math.min(b, bounds.length - 1)];
            }
        }
        return null;
    }

    private List<Map<String, Object>> processes(long now) {
        Map<String, String> all = redis.hash(String.class).hgetall(RedisKeys.liveProcesses());
        List<Map<String, Object>> list = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        for (Map.Entry<String, String> e : all.entrySet()) {
            JsonNode status;
            try {
                status = json.readTree(e.getValue());
            } catch (Exception unreadable) {
                forgotten.add(e.getKey());
                continue;
            }
            long ago = now - status.path("at").asLong(0);
            if (ago > FORGET_MS) {
                forgotten.add(e.getKey());
                continue;
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("id", e.getKey());
            p.put("queue", status.path("queue").asText(null));
            p.put("alive", ago <= ALIVE_MS);
            p.put("last_seen_ms_ago", Math.max(0, ago));
            p.put("consumers", status.path("consumers").isNumber() ? status.get("consumers").asLong() : null);
            p.put("smpp_sessions_bound", status.path("smpp_sessions_bound").isNumber()
                    ? status.get("smpp_sessions_bound").asLong() : null);
            p.put("webhook_backlog", status.path("webhook_backlog").isNumber()
                    ? status.get("webhook_backlog").asLong() : null);
            list.add(p);
        }
        if (!forgotten.isEmpty()) {
            redis.hash(String.class).hdel(RedisKeys.liveProcesses(), forgotten.toArray(String[]::new));
        }
        list.sort((a, b) -> String.valueOf(a.get("id")).compareTo(String.valueOf(b.get("id"))));
        return list;
    }

    private List<Map<String, Object>> topClients(long now) {
        long minute = now / 60_000;
        List<String> args = new ArrayList<>();
        args.add("60");
        for (long m = minute - 59; m <= minute; m++) {
            args.add(RedisKeys.liveTopClients(m));
        }
        args.add("WITHSCORES");
        Response r = redis.execute("ZUNION", args.toArray(String[]::new));
        List<Map<String, Object>> all = new ArrayList<>();
        // RESP2: member, score, member, score...; RESP3: [member, score] pairs.
        if (r.size() > 0 && r.get(0).size() == 2 && r.get(0).type().name().equals("MULTI")) {
            for (Response pair : r) {
                all.add(client(pair.get(0).toString(), pair.get(1).toString()));
            }
        } else {
            for (int i = 0; i + 1 < r.size(); i += 2) {
                all.add(client(r.get(i).toString(), r.get(i + 1).toString()));
            }
        }
        all.sort((a, b) -> Long.compare((Long) b.get("messages"), (Long) a.get("messages")));
        return List.copyOf(all.subList(0, Math.min(TOP_CLIENTS, all.size())));
    }

    private static Map<String, Object> client(String id, String score) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("client_id", id);
        c.put("messages", (long) Double.parseDouble(score));
        return c;
    }

    /** The sum of every client's live balance (SCAN, so Redis is never blocked by one long command). */
    private long totalCredit() {
        long total = 0;
        String cursor = "0";
        do {
            Response page = redis.execute("SCAN", cursor, "MATCH", "sms:credit:{*}", "COUNT", "1000");
            cursor = page.get(0).toString();
            List<String> keys = new ArrayList<>();
            for (Response k : page.get(1)) {
                keys.add(k.toString());
            }
            if (!keys.isEmpty()) {
                for (Response v : redis.execute("MGET", keys.toArray(String[]::new))) {
                    total += v == null ? 0 : number(v.toString());
                }
            }
        } while (!"0".equals(cursor));
        return total;
    }

    /** A reply that is a map (RESP3) or a flat field/value list (RESP2), as text. */
    static Map<String, String> fields(Response r) {
        Map<String, String> map = new HashMap<>();
        if (r == null) {
            return map;
        }
        if (!r.getKeys().isEmpty()) {
            for (String k : r.getKeys()) {
                Response v = r.get(k);
                map.put(k, v == null ? null : v.toString());
            }
            return map;
        }
        for (int i = 0; i + 1 < r.size(); i += 2) {
            Response v = r.get(i + 1);
            map.put(r.get(i).toString(), v == null ? null : v.toString());
        }
        return map;
    }

    static long number(String s) {
        if (s == null) {
            return 0;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
