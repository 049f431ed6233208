package com.acme.sms.worker.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A real HTTP receiver on loopback, as a client would run one: it checks each request's signature itself (not with
 * the code under test), records what it got and answers what the test says (by the request's number).
 */
final class Receiver implements AutoCloseable {

    /** A request as received, and what it was answered (0: it hung). */
    record Request(Map<String, List<String>> headers, String body, boolean signatureValid, int answered) {

        String header(String name) {
            for (Map.Entry<String, List<String>> h : headers.entrySet()) {
                if (h.getKey() != null && h.getKey().equalsIgnoreCase(name)) {
                    return h.getValue().get(0);
                }
            }
            return null;
        }
    }

    /** An answer: an HTTP status, or a number of milliseconds to hang before answering 200. */
    record Answer(int status, long hangMillis, String location) {
        static Answer status(int status) {
            return new Answer(status, 0, null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String secret;
    private final HttpServer server;
    private final ConcurrentLinkedQueue<Request> requests = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private volatile IntFunction<Answer> answers = n -> Answer.status(200);

    Receiver(String secret) throws IOException {
        this(secret, 0);
    }

    Receiver(String secret, int port) throws IOException {
        this.secret = secret;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Answer answer = answers.apply(count.incrementAndGet());
            String ts = exchange.getRequestHeaders().getFirst("X-SMS-Timestamp");
            String sig = exchange.getRequestHeaders().getFirst("X-SMS-Signature");
            requests.add(new Request(Map.copyOf(exchange.getRequestHeaders()), new String(body, StandardCharsets.UTF_8),
                    sig != null && ts != null && sig.equals(sign(ts, body)),
                    // a hung request counts as not answered: its late answer comes after the sender gave up
                    answer.hangMillis() > 0 ? 0 : answer.status()));
            try {
                if (answer.hangMillis() > 0) {
                    Thread.sleep(answer.hangMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (answer.location() != null) {
                exchange.getResponseHeaders().add("Location", answer.location());
            }
            exchange.sendResponseHeaders(answer.status(), -1);
            exchange.close();
        });
        server.start();
    }

    void answer(IntFunction<Answer> answers) {
        this.answers = answers;
    }

    String url() {
        return "http://127.0.0.1:" + port() + "/events";
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every event of every request answered 2xx, in the order received. */
    List<JsonNode> acknowledgedEvents() {
        List<JsonNode> events = new ArrayList<>();
        for (Request r : requests) {
            if (r.answered() >= 200 && r.answered() < 300) {
                try {
                    JSON.readTree(r.body()).get("events").forEach(events::add);
                } catch (IOException e) {
                    throw new AssertionError("not JSON: " + r.body(), e);
                }
            }
        }
        return events;
    }

    private String sign(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
