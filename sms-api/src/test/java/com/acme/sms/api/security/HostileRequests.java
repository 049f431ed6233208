package com.acme.sms.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.api.RawHttp;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.RestAssured;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Random malformed requests against every endpoint of the running API. Each generated request is a valid request of
 * some endpoint with at least one defect the API must catch (a hostile identity, header, query, path, body, method or
 * media type) plus random noise (extra headers and query parameters that mean nothing to the API). Whatever it is,
 * the answer must be a 4xx problem+json, never a 5xx, and neither of the two clients involved may see any change:
 * live balance, account, ledger or messages.
 *
 * <p>A few defects are protocol violations (control characters in a header value, broken percent-encoding in the
 * request target) that the HTTP layer (Netty) refuses before the API sees them, with a bare 400 and the connection
 * closed; for those only the status is checked.
 *
 * <p>The requests come from a {@link Random} with a fixed seed, printed at every run; {@code -Dhostile.seed=N}
 * replays another seed (or {@code -Dhostile.seed=random} draws a new one). A failure names the seed, the request's
 * number and the request itself. Used by {@link HostileRequestsTest} (header mode) and {@link JwtHostileRequestsTest}
 * (jwt mode), which start the application; this class talks HTTP, PostgreSQL (JDBC) and Redis (a few RESP commands)
 * itself.
 */
final class HostileRequests {

    /** The system property that overrides the seed, for every generated test in this module. */
    static final String SEED_PROPERTY = "hostile.seed";
    static final long DEFAULT_SEED = 20_240_611L;

    /** None of these characters can appear in any value the API accepts: client ids, types, keys, numbers, dates. */
    static final String POISON = "'\";{}()<>!*=\\`$[]|&?#~^,%";
    static final String QUOTE_ALPHABET = POISON + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@/+ ";
    static final String[] SAMPLES = {
        "'; DROP TABLE credits; --", "' OR '1'='1", "\" OR 1=1 --", "redis.call('FLUSHALL')",
        "]] .. redis.call('DEL', KEYS[1]) .. [[",
        "{acme}", "acme}:x{", "${jndi:ldap://x}", "<script>alert(1)</script>", "../../etc/passwd", "%00", "%2e%2e%2f",
        "\\u0000",
        "1; SELECT pg_sleep(10)", "*", "normal,express", "express ", "1e400", "-0", "0x10", "NaN", "∞", "😀", "ünï'code",
    };
    static final String[] NOISE_HEADERS = {"User-Agent", "Accept-Language", "X-Request-Id", "X-Forwarded-For", "Referer",
        "Cookie", "X-Trace", "Origin", "Cache-Control", "X-Api-Version", "X-Client", "X-User"};
    static final String[] NOISE_PARAMETERS = {"utm_source", "debug", "client_id", "sort", "q", "x", "callback", "fields"};
    static final String[] SINGLE_HEADERS = {"X-Client-ID", "X-SMS-TYPE", "Idempotency-Key", "Authorization", "X-Admin-Key",
        "Content-Type"};

    static final ObjectMapper JSON = new ObjectMapper();

    final boolean jwt;
    final int port;
    final String alice;
    final String bob;
    final String adminKey;
    final String aliceToken;
    final String bobToken;
    final String adminToken;
    final String[] badTokens;
    final String jdbcUrl;
    final String jdbcUser;
    final String jdbcPassword;
    final int redisDb;
    Connection db;

    /** Answers seen, by defect and status: printed at the end, so that a run shows what it covered. */
    final Map<String, Integer> seen = new TreeMap<>();

    /**
     * Against the application the current {@code @QuarkusTest} started; the tokens are null in header mode.
     */
    HostileRequests(boolean jwt, String alice, String bob, String adminKey, String aliceToken, String bobToken,
            String adminToken, List<String> badTokens) {
        this.jwt = jwt;
        this.port = RestAssured.port;
        this.alice = alice;
        this.bob = bob;
        this.adminKey = adminKey;
        this.aliceToken = aliceToken;
        this.bobToken = bobToken;
        this.adminToken = adminToken;
        this.badTokens = badTokens.toArray(String[]::new);
        Config config = ConfigProvider.getConfig();
        this.jdbcUrl = config.getValue("quarkus.datasource.jdbc.url", String.class);
        this.jdbcUser = config.getValue("quarkus.datasource.username", String.class);
        this.jdbcPassword = config.getValue("quarkus.datasource.password", String.class);
        String redis = config.getValue("quarkus.redis.hosts", String.class);
        this.redisDb = Integer.parseInt(redis.substring(redis.lastIndexOf('/') + 1));
    }

    /** The seed of this run: {@value #DEFAULT_SEED} unless {@code -Dhostile.seed} says otherwise. */
    static long seed() {
        String value = System.getProperty(SEED_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_SEED;
        }
        if (value.equalsIgnoreCase("random")) {
            return new Random().nextLong();
        }
        return Long.parseLong(value.strip());
    }

    /**
     * Sends {@code count} generated requests and checks each; the first failure ends the run with the seed, the
     * request's number and the request in its message.
     */
    void run(String label, int count) throws Exception {
        long seed = seed();
        System.out.printf("%s: %d hostile requests, seed %d (replay with -D%s=%d)%n", label, count, seed, SEED_PROPERTY, seed);
        Random random = new Random(seed);
        db = DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
        try {
            for (int i = 1; i <= count; i++) {
                Case c = generate(random);
                try {
                    check(c);
                } catch (AssertionError | Exception e) {
                    throw new AssertionError(
                            String.format("%s: hostile request %d of %d failed (seed %d, replay with -D%s=%d)%n"
                                    + "  request: %s%n  failure: %s", label, i, count, seed, SEED_PROPERTY, seed, c, e),
                            e);
                }
            }
            int sent = seen.values().stream().mapToInt(Integer::intValue).sum();
            assertThat(sent).as("hostile requests sent").isEqualTo(count);
        } finally {
            System.out.println(label + ": hostile requests sent, by defect and answer: " + seen);
            db.close();
        }
    }

    // ------------------------------------------------------------------------------------------ the property ----

    void check(Case c) throws Exception {
        String before = footprint();
        RawHttp.Response r = RawHttp.send(port, c.request());
        seen.merge(c.defect().split(" ")[0] + " " + r.status(), 1, Integer::sum);
        assertThat(r.status()).as("status of %s -> %s", c, r).isBetween(400, 499);
        if (!c.protocolViolation()) {
            assertThat(r.contentType()).as("media type of %s -> %s", c, r).startsWith("application/problem+json");
            JsonNode problem = JSON.readTree(r.body());
            assertThat(problem.path("status").asInt()).as("problem of %s", c).isEqualTo(r.status());
            assertThat(problem.path("code").asText()).as("problem of %s", c).isNotBlank();
            assertThat(problem.path("type").asText()).startsWith("https://");
        }
        assertThat(footprint()).as("the clients' state after %s", c).isEqualTo(before);
    }

    /** The live balances, accounts, ledgers and messages of both clients. */
    String footprint() throws IOException, SQLException {
        StringBuilder s = new StringBuilder(
                String.join("/", redisGet("sms:credit:{" + alice + "}", "sms:credit:{" + bob + "}")));
        try (PreparedStatement ps = db.prepareStatement("""
                SELECT c.id,
                       (SELECT balance || ':' || COALESCE(name, '') FROM credits WHERE client_id = c.id),
                       (SELECT count(*) FROM credit_ledger WHERE client_id = c.id),
                       (SELECT count(*) FROM messages WHERE client_id = c.id)
                FROM (VALUES (?), (?)) AS c(id) ORDER BY c.id""")) {
            ps.setString(1, alice);
            ps.setString(2, bob);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    s.append('|').append(rs.getString(1)).append('=').append(rs.getString(2)).append(',')
                            .append(rs.getLong(3)).append(',').append(rs.getLong(4));
                }
            }
        }
        return s.toString();
    }

    /** MGET over a plain socket: the Quarkus Redis client lives in the application, not here. */
    List<String> redisGet(String... keys) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", 6379)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(command("SELECT", Integer.toString(redisDb)));
            String[] mget = new String[keys.length + 1];
            mget[0] = "MGET";
            System.arraycopy(keys, 0, mget, 1, keys.length);
            out.write(command(mget));
            out.flush();
            InputStream in = socket.getInputStream();
            String ok = line(in);
            if (!ok.equals("+OK")) {
                throw new IOException("SELECT: " + ok);
            }
            String header = line(in);
            if (!header.startsWith("*")) {
                throw new IOException("MGET: " + header);
            }
            List<String> values = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(header.substring(1)); i++) {
                int length = Integer.parseInt(line(in).substring(1));
                if (length < 0) {
                    values.add("nil");
                } else {
                    values.add(new String(in.readNBytes(length), StandardCharsets.UTF_8));
                    line(in);
                }
            }
            return values;
        }
    }

    private static byte[] command(String... args) {
        StringBuilder s = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            s.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("Redis closed the connection");
            }
            s.append((char) c);
        }
        in.read();
        return s.toString();
    }

    // ----------------------------------------------------------------------------------------- the requests ----

    /** A generated request; {@code protocolViolation}: the HTTP layer refuses it before the API. */
    record Case(String defect, RawHttp.Request request, boolean protocolViolation) {

        @Override
        public String toString() {
            return defect + ": " + request;
        }
    }

    enum Endpoint {
        INCREASE("POST", "/api/credit/increase"),
        CREDIT("GET", "/api/credit"),
        SEND("POST", "/api/messages/bulk/send"),
        SENT_LOG("GET", "/api/messages/sent-log"),
        MESSAGE("GET", "/api/messages/{id}"),
        EXPORT("GET", "/api/messages/export"),
        USAGE("GET", "/api/reports/usage"),
        DEAD_LETTERS("GET", "/api/admin/dead-letters"),
        REQUEUE("POST", "/api/admin/dead-letters/{type}/{entry}/requeue"),
        DISCARD("DELETE", "/api/admin/dead-letters/{type}/{entry}"),
        RECONCILIATION("GET", "/api/admin/reconciliation"),
        REBUILD("POST", "/api/admin/reconciliation/rebuild"),
        UNKNOWN("GET", "/api/{unknown}");

        final String method;
        final String path;

        Endpoint(String method, String path) {
            this.method = method;
            this.path = path;
        }

        boolean admin() {
            return path.startsWith("/api/admin");
        }

        /** The query parameters the endpoint reads (and checks strictly). */
        List<String> parameters() {
            return switch (this) {
                case SENT_LOG -> List.of("status", "type", "from_date", "to_date", "page", "page_size");
                case EXPORT -> List.of("status", "type", "from_date", "to_date", "format");
                case USAGE -> List.of("from_date", "to_date", "type");
                case DEAD_LETTERS -> List.of("type", "count");
                case RECONCILIATION -> List.of("client");
                default -> List.of();
            };
        }
    }

    enum Defect {
        IDENTITY, DUPLICATE_HEADER, LONG_HEADER, CONTROL_CHARACTER, SMS_TYPE, IDEMPOTENCY_KEY, QUERY_VALUE,
        QUERY_CONTROL, QUERY_DUPLICATE, QUERY_TOO_LONG, BROKEN_ESCAPE, PATH, BODY, METHOD, MEDIA_TYPE
    }

    /**
     * One malformed request. The defect first, then an endpoint it applies to, so that every defect is tried about as
     * often; then the hostile value (a known sample, a string of quotes and brackets, or any Latin-1 text), a number
     * that picks the variant, and the noise.
     */
    Case generate(Random random) {
        Defect defect = Defect.values()[random.nextInt(Defect.values().length)];
        List<Endpoint> endpoints = endpointsFor(defect);
        Endpoint endpoint = endpoints.get(random.nextInt(endpoints.size()));
        String hostile = poisoned(switch (random.nextInt(3)) {
            case 0 -> SAMPLES[random.nextInt(SAMPLES.length)];
            case 1 -> string(random, QUOTE_ALPHABET, 1, 80);
            default -> latin1Text(random, 1, 300);
        });
        int n = random.nextInt(Integer.MAX_VALUE);
        return build(endpoint, defect, hostile, n, random);
    }

    /** Characters of the alphabet, of a length between min and max, short ones more often (as edge cases). */
    static String string(Random random, String alphabet, int min, int max) {
        int length = length(random, min, max);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** Characters from U+0020 to U+00FF. */
    static String latin1Text(Random random, int min, int max) {
        int length = length(random, min, max);
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) (0x20 + random.nextInt(0xFF - 0x20 + 1)));
        }
        return s.toString();
    }

    /** A length from min to max: a quarter of the time one of the shortest few, or the longest. */
    static int length(Random random, int min, int max) {
        return switch (random.nextInt(8)) {
            case 0 -> min + random.nextInt(Math.min(3, max - min + 1));
            case 1 -> max;
            default -> min + random.nextInt(max - min + 1);
        };
    }

    /** Makes sure the value holds a character no valid value has, away from the ends (which servers trim). */
    static String poisoned(String value) {
        String v = value.strip();
        for (char c : v.toCharArray()) {
            if (POISON.indexOf(c) >= 0) {
                return v;
            }
        }
        return v.isEmpty() ? "'" : v.charAt(0) + "'" + v.substring(1);
    }

    private Case build(Endpoint endpoint, Defect defect, String hostile, int n, Random random) {
        Builder b = new Builder(endpoint, random);
        b.validBase(jwt, n);
        boolean violation = false;
        switch (defect) {
            case IDENTITY -> b.badIdentity(jwt, hostile, n);
            case DUPLICATE_HEADER -> {
                String name = SINGLE_HEADERS[n % SINGLE_HEADERS.length];
                b.headers.add(new RawHttp.Header(name, b.headerValue(name)));
                b.headers.add(new RawHttp.Header(name, b.headerValue(name)));
            }
            case LONG_HEADER -> b.headers.add(new RawHttp.Header(n % 2 == 0 ? NOISE_HEADERS[n % NOISE_HEADERS.length]
                    : SINGLE_HEADERS[n % SINGLE_HEADERS.length], "v".repeat(8193 + n % 4000)));
            case CONTROL_CHARACTER -> {
                // NUL, other C0 controls and DEL. Not CR or LF, which would end the header, nor tab, which is
                // legal whitespace in a header value.
                int c0 = n % 32;
                char control = (char) (n % 3 == 0 ? 0x7F : c0 == '\t' || c0 == '\n' || c0 == '\r' ? 0 : c0);
                String name = n % 2 == 0 ? SINGLE_HEADERS[n % 5] : NOISE_HEADERS[n % NOISE_HEADERS.length];
                b.headers.removeIf(h -> h.name().equalsIgnoreCase(name));
                b.headers.add(new RawHttp.Header(name, "a" + control + "b"));
                violation = true;
            }
            case SMS_TYPE -> b.replaceHeader("X-SMS-TYPE", hostile);
            case IDEMPOTENCY_KEY -> b.replaceHeader("Idempotency-Key", n % 5 == 0 ? "k".repeat(129 + n % 100) : hostile);
            case QUERY_VALUE ->
                b.query.add(endpoint.parameters().get(n % endpoint.parameters().size()) + "=" + encode(hostile));
            case QUERY_CONTROL -> b.query.add((n % 2 == 0 ? NOISE_PARAMETERS[n % NOISE_PARAMETERS.length] : "page")
                    + "=a%" + String.format("%02X", n % 3 == 0 ? 0x7F : n % 32) + "b");
            case QUERY_DUPLICATE -> {
                String name = n % 2 == 0 ? "page" : "type";
                b.query.add(name + "=1");
                b.query.add(name + "=1");
            }
            case QUERY_TOO_LONG ->
                b.query.add(NOISE_PARAMETERS[n % NOISE_PARAMETERS.length] + "=" + "q".repeat(2100 + n % 1200));
            case BROKEN_ESCAPE -> {
                b.query.add("q=%" + (n % 2 == 0 ? "zz" : "G1"));
                violation = true;
            }
            case PATH -> b.badPath(hostile, n);
            case BODY -> b.badBody(hostile, n);
            case METHOD -> b.method = endpoint.method.equals("GET") ? (n % 2 == 0 ? "DELETE" : "PUT") : "PATCH";
            case MEDIA_TYPE -> b.replaceHeader("Content-Type", switch (n % 5) {
                case 0 -> "text/plain";
                case 1 -> "application/xml";
                case 2 -> "application/x-www-form-urlencoded";
                case 3 -> "multipart/form-data; boundary=x";
                default -> "application/" + hostile.replaceAll("[^A-Za-z0-9]", "") + "x";
            });
            default -> throw new IllegalStateException();
        }
        b.noise(random);
        return new Case(defect + " " + endpoint, b.request(), violation);
    }

    /** The endpoints a defect applies to. */
    static List<Endpoint> endpointsFor(Defect defect) {
        List<Endpoint> all = List.of(Endpoint.values());
        return switch (defect) {
            case SMS_TYPE, IDEMPOTENCY_KEY -> List.of(Endpoint.SEND);
            case QUERY_VALUE -> all.stream().filter(e -> !e.parameters().isEmpty()).toList();
            case PATH -> List.of(Endpoint.MESSAGE, Endpoint.REQUEUE, Endpoint.DISCARD, Endpoint.UNKNOWN);
            case BODY, MEDIA_TYPE -> List.of(Endpoint.SEND, Endpoint.INCREASE);
            case METHOD -> all.stream().filter(e -> e != Endpoint.UNKNOWN).toList();
            default -> all;
        };
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Assembles one request: a valid base, then the defect, then noise. */
    final class Builder {

        final Endpoint endpoint;
        final Random random;
        String method;
        String path;
        final List<RawHttp.Header> headers = new ArrayList<>();
        final List<String> query = new ArrayList<>();
        String body;
        String client;

        Builder(Endpoint endpoint, Random random) {
            this.endpoint = endpoint;
            this.random = random;
            this.method = endpoint.method;
            this.path = endpoint.path.replace("{id}", uuid(random).toString())
                    .replace("{type}", random.nextBoolean() ? "normal" : "express")
                    .replace("{entry}", (1_700_000_000_000L + random.nextInt(1_000_000)) + "-0")
                    .replace("{unknown}", "nothing-" + random.nextInt(1000));
        }

        void validBase(boolean jwt, int n) {
            client = n % 2 == 0 ? alice : bob;
            if (endpoint.admin()) {
                headers.add(jwt ? new RawHttp.Header("Authorization", "Bearer " + adminToken)
                        : new RawHttp.Header("X-Admin-Key", adminKey));
            } else if (jwt && endpoint == Endpoint.INCREASE) {
                headers.add(new RawHttp.Header("Authorization", "Bearer " + adminToken));
                headers.add(new RawHttp.Header("X-Client-ID", client));
            } else if (jwt) {
                headers.add(new RawHttp.Header("Authorization", "Bearer " + (client.equals(alice) ? aliceToken : bobToken)));
            } else {
                headers.add(new RawHttp.Header("X-Client-ID", client));
            }
            if (endpoint == Endpoint.SEND) {
                headers.add(new RawHttp.Header("Content-Type", "application/json"));
                headers.add(new RawHttp.Header("X-SMS-TYPE", n % 3 == 0 ? "express" : "normal"));
                body = "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"hello\"}]}";
            } else if (endpoint == Endpoint.INCREASE) {
                headers.add(new RawHttp.Header("Content-Type", "application/json"));
                body = "{\"name\": \"Prop\", \"balance\": 1}";
            }
        }

        /** A plausible value for a header, for duplicates. */
        String headerValue(String name) {
            return switch (name) {
                case "X-Client-ID" -> client;
                case "X-SMS-TYPE" -> "normal";
                case "Idempotency-Key" -> "key-" + random.nextInt(1000);
                case "Authorization" -> "Bearer " + (adminToken != null ? adminToken : "x.y.z");
                case "X-Admin-Key" -> adminKey;
                default -> "application/json";
            };
        }

        void replaceHeader(String name, String value) {
            headers.removeIf(h -> h.name().equalsIgnoreCase(name));
            headers.add(new RawHttp.Header(name, latin1(value)));
        }

        void badIdentity(boolean jwt, String hostile, int n) {
            headers.removeIf(h -> h.name().equals("Authorization") || h.name().equals("X-Client-ID")
                    || h.name().equals("X-Admin-Key"));
            if (!jwt) {
                switch (n % 4) {
                    case 0 -> {} // none at all
                    case 1 ->
                        headers.add(new RawHttp.Header(endpoint.admin() ? "X-Admin-Key" : "X-Client-ID", latin1(hostile)));
                    case 2 -> headers.add(new RawHttp.Header(endpoint.admin() ? "X-Admin-Key" : "X-Client-ID",
                            "c".repeat(65 + n % 100)));
                    default -> headers.add(new RawHttp.Header(endpoint.admin() ? "X-Admin-Key" : "X-Client-ID", ""));
                }
                return;
            }
            switch (n % 6) {
                case 0 -> {} // no token; the header mode's trust counts for nothing
                case 1 -> headers.add(new RawHttp.Header("Authorization", latin1("Bearer " + hostile)));
                case 2 -> headers.add(new RawHttp.Header("Authorization", "Bearer " + badTokens[n % badTokens.length]));
                case 3 -> {
                    // a client's valid token where an admin is needed, or naming another client
                    headers.add(new RawHttp.Header("Authorization", "Bearer " + aliceToken));
                    if (!endpoint.admin() && endpoint != Endpoint.INCREASE) {
                        headers.add(new RawHttp.Header("X-Client-ID", bob));
                    }
                }
                case 4 -> {
                    headers.add(new RawHttp.Header("Authorization", "Bearer " + bobToken));
                    headers.add(new RawHttp.Header("X-Client-ID", endpoint == Endpoint.INCREASE ? bob : latin1(hostile)));
                    if (endpoint.admin()) {
                        headers.add(new RawHttp.Header("X-Admin-Key", adminKey));
                    }
                }
                default -> {
                    headers.add(new RawHttp.Header("X-Client-ID", client));
                    headers.add(new RawHttp.Header("X-Admin-Key", adminKey));
                }
            }
        }

        void badPath(String hostile, int n) {
            String segment = encode(hostile).replace("+", "%20");
            path = switch (endpoint) {
                case MESSAGE -> "/api/messages/" + segment;
                case REQUEUE -> n % 2 == 0 ? "/api/admin/dead-letters/" + segment + "/1-0/requeue"
                        : "/api/admin/dead-letters/normal/" + segment + "/requeue";
                case DISCARD -> n % 2 == 0 ? "/api/admin/dead-letters/" + segment + "/1-0"
                        : "/api/admin/dead-letters/express/" + segment;
                default -> "/api/" + segment;
            };
        }

        void badBody(String hostile, int n) {
            String h = JSON.valueToTree(hostile).toString();
            if (endpoint == Endpoint.INCREASE) {
                body = switch (n % 12) {
                    case 0 -> "{\"balance\": 0}";
                    case 1 -> "{\"balance\": -" + (1 + n % 1000) + "}";
                    case 2 -> "{\"balance\": 10000001}";
                    case 3 -> "{\"balance\": 1.5}";
                    case 4 -> "{\"balance\": " + h + "}";
                    case 5 -> "{\"name\": " + h + "}";
                    case 6 -> "{\"name\": \"" + "n".repeat(201) + "\", \"balance\": 1}";
                    case 7 -> "{\"name\": \"a\\u0000b\", \"balance\": 1}";
                    case 8 -> "{\"balance\": 1, \"balance\": 2}";
                    case 9 -> "[" + h + "]";
                    case 10 -> hostile;
                    default -> "{\"balance\": 99999999999999999999999}";
                };
            } else {
                String bad = "{\"to\": " + h + ", \"from\": \"App\", \"content\": \"x\"}";
                body = switch (n % 10) {
                    case 0 -> "{\"messages\": []}";
                    case 1 -> "{\"messages\": [" + bad + "]}";
                    case 2 -> "{\"messages\": [" + bad + ", " + bad + "]}";
                    case 3 -> "{\"messages\": [{\"to\": \"+4917012345\", \"from\": " + h + ", \"content\": \"x\"}]}";
                    case 4 -> "{\"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"a\\u0001b\"}]}";
                    case 5 -> "{\"messages\": " + h + "}";
                    case 6 -> "{\"messages\": [null]}";
                    case 7 ->
                        "{\"validity_seconds\": -1, \"messages\": [{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"x\"}]}";
                    case 8 -> hostile;
                    default -> "{\"messages\": [" + String.join(",", java.util.Collections.nCopies(1001,
                            "{\"to\": \"+4917012345\", \"from\": \"App\", \"content\": \"x\"}")) + "]}";
                };
            }
        }

        /** Headers and query parameters that mean nothing to the API; they must not change any answer. */
        void noise(Random random) {
            for (int i = random.nextInt(4); i > 0; i--) {
                headers.add(new RawHttp.Header(NOISE_HEADERS[random.nextInt(NOISE_HEADERS.length)],
                        printable(random, 1 + random.nextInt(60))));
            }
            for (int i = random.nextInt(3); i > 0; i--) {
                query.add(NOISE_PARAMETERS[random.nextInt(NOISE_PARAMETERS.length)] + "="
                        + encode(printable(random, random.nextInt(40))));
            }
        }

        RawHttp.Request request() {
            String target = path + (query.isEmpty() ? "" : "?" + String.join("&", query));
            return new RawHttp.Request(method, target, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A random (version 4) UUID from the seeded generator. */
    static UUID uuid(Random random) {
        long most = random.nextLong() & ~0xF000L | 0x4000L;
        long least = random.nextLong() & ~(0x3L << 62) | (0x2L << 62);
        return new UUID(most, least);
    }

    /** Printable ASCII without leading or trailing blanks (servers trim those). */
    static String printable(Random random, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            s.append((char) (0x21 + random.nextInt(0x7E - 0x21)));
        }
        return s.toString();
    }

    /** Header values travel as ISO-8859-1 bytes; what does not fit becomes '?' (itself poison). */
    static String latin1(String value) {
        StringBuilder s = new StringBuilder();
        for (char c : value.toCharArray()) {
            s.append(c < 0x20 || c == 0x7F || c > 0xFF ? '?' : c);
        }
        return s.toString().strip().isEmpty() ? "?" : s.toString().strip();
    }
}
