package com.acme.sms.smsc;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulator's control port on localhost, so a script or a test in another process can break it on demand:
 * {@code POST /drop}, {@code POST /pause}, {@code POST /resume}, {@code GET /stats}; and play a handset:
 * {@code POST /mo?from=+4915112345678&to=Acme&text=STOP} sends a mobile-originated message to the bound ESME.
 */
final class ControlServer {

    private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);

    private final HttpServer server;

    ControlServer(SmscSimulator smsc, int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "smsc-control");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/stats", ex -> answer(ex, "GET", () -> smsc.stats().toJson()));
        server.createContext("/drop", ex -> answer(ex, "POST", () -> {
            int n = smsc.stats().sessionsBound();
            smsc.drop();
            return "{\"dropped\":" + n + "}";
        }));
        server.createContext("/pause", ex -> answer(ex, "POST", () -> {
            smsc.pause();
            return "{\"paused\":true}";
        }));
        server.createContext("/resume", ex -> answer(ex, "POST", () -> {
            smsc.resume();
            return "{\"paused\":false}";
        }));
        server.createContext("/mo", ex -> answer(ex, "POST", () -> {
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            String from = q.get("from");
            String to = q.get("to");
            String text = q.get("text");
            if (from == null || to == null || text == null || from.isBlank() || to.isBlank()) {
                throw new IllegalArgumentException("from, to and text are required: /mo?from=+4915112345678&to=Acme"
                        + "&text=STOP");
            }
            return smsc.sendMobileOriginated(from, to, text).toJson();
        }));
        server.start();
    }

    private static Map<String, String> query(String query) {
        Map<String, String> q = new HashMap<>();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    // Percent-decoding only, not form decoding: a '+' stays a '+' (from=+4915112345678), so a space
                    // comes as %20 (as curl --data-urlencode writes it).
                    q.put(pair.substring(0, eq),
                            URLDecoder.decode(pair.substring(eq + 1).replace("+", "%2B"), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    int port() {
        return server.getAddress().getPort();
    }

    void stop() {
        server.stop(0);
    }

    private interface Action {
        String run() throws IOException;
    }

    private static void answer(HttpExchange ex, String method, Action action) throws IOException {
        try (ex) {
            int status;
            String body;
            if (!ex.getRequestMethod().equalsIgnoreCase(method)) {
                status = 405;
                body = "{\"error\":\"use " + method + "\"}";
            } else {
                try {
                    body = action.run();
                    status = 200;
                } catch (IllegalArgumentException e) {
                    status = 400;
                    body = "{\"error\":\"" + e.getMessage().replace("\"", "'") + "\"}";
                } catch (IOException | RuntimeException e) {
                    LOG.warn("Control request {} failed", ex.getRequestURI(), e);
                    status = 500;
                    body = "{\"error\":\"" + e.getClass().getSimpleName() + "\"}";
                }
            }
            byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
