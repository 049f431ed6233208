package com.acme.sms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.BuiltApp;
import com.acme.sms.system.Repository;
import com.acme.sms.system.TestOutput;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: the operations dashboard ({@code /dashboard} on the API's port) in Debian's headless Chromium, driven by
 * playwright-core from {@code src/test/browser/dashboard.test.mjs}, against the packaged API and one worker per queue
 * on the shared Redis (database 14) and the test database. The script logs in, pauses and resumes the normal queue,
 * watches its depth rise and drain, finds the throughput on the chart, gets a message dead-lettered (the workers'
 * poison prefix) and requeues and discards it from the page, checks that no credentials, a wrong password and a
 * client's credentials are refused, and that the browser console stays clean. Screenshots of every state go to
 * {@code target/dashboard-screenshots/<mode>/}.
 *
 * Needs Node.js (18 or later), npm and {@code /usr/bin/chromium}: bin/test installs them (bin/lib/services.sh);
 * playwright-core comes from the npm registry by {@code npm ci}, pinned in the folder's package-lock.json.
 */
class DashboardBrowserIT {

    static final Path BROWSER_TEST = Repository.ROOT.resolve("sms-system-tests/src/test/browser");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** Recipients the workers take for poison (sms.worker.poison-prefix): dead-lettered, failed and refunded. */
    static final String POISON_PREFIX = "+4477666";
    static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(8);

    static final Platform PLATFORM = Platform.shared();
    static final List<AppProcess> WORKERS = new ArrayList<>();
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void startWorkersAndInstallPlaywright() throws Exception {
        assertThat(CHROMIUM).as("Debian's chromium (bin/test installs it: apt-get install chromium)").isExecutable();
        installPlaywright();
        // A clean slate: no messages or dead letters left by other tests in the shared Redis database.
        PLATFORM.cleanQueues();
        // Poison recipients are dead-lettered on their first delivery; any other entry after its second.
        Map<String, String> workerEnv = Map.of("SMS_WORKER_POISON_PREFIX", POISON_PREFIX,
                "SMS_WORKER_MAX_DELIVERIES", "2");
        for (String queue : List.of("express", "normal")) {
            WORKERS.add(AppProcess.start(BuiltApp.WORKER, "dashboard-worker-" + queue, PLATFORM.env(workerEnv),
                    "--queue=" + queue));
        }
        for (AppProcess worker : WORKERS) {
            worker.awaitReady();
        }
    }

    @AfterAll
    static void stopWorkers() throws Exception {
        for (AppProcess worker : WORKERS) {
            worker.close();
        }
        Files.deleteIfExists(PLATFORM.sendLog);
    }

    @Test
    void headerModeAnOperatorWatchesAndSteersTheSystemInTheBrowser() throws Exception {
        String client = "dash-" + UUID.randomUUID().toString().substring(0, 8);
        try (AppProcess api = startApi("dashboard-api-header", Map.of())) {
            Map<String, String> env = new HashMap<>();
            env.put("SMS_AUTH_MODE", "header");
            env.put("SMS_ADMIN_PASSWORD", Platform.ADMIN_KEY);
            env.put("SMS_CLIENT_HEADERS_JSON", JSON.writeValueAsString(Map.of("X-Client-ID", client)));
            env.put("SMS_CLIENT_ID", client);
            runBrowserTest("header", api, Platform.ADMIN_KEY, env);
        }
    }

    /**
     * jwt mode: the Basic password is an admin token; a client's token opens nothing. Tokens from {@code bin/token}
     * with a key pair of the test's own, which the API trusts.
     */
    @Test
    void jwtModeOnlyAnAdminTokenOpensTheDashboard() throws Exception {
        Path keys = TestOutput.serverDir("dashboard-jwt-");
        try {
            String admin = token(keys, "admin", "dashboard-ops");
            String client = "dash-jwt-" + UUID.randomUUID().toString().substring(0, 8);
            String clientToken = token(keys, "client", client);
            Map<String, String> jwt = Map.of(
                    "SMS_AUTH_MODE", "jwt",
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION", keys.resolve("public.pem").toString(),
                    "MP_JWT_VERIFY_ISSUER", "sms-local",
                    "MP_JWT_VERIFY_AUDIENCES", "sms-api");
            try (AppProcess api = startApi("dashboard-api-jwt", jwt)) {
                Map<String, String> env = new HashMap<>();
                env.put("SMS_AUTH_MODE", "jwt");
                env.put("SMS_ADMIN_PASSWORD", admin);
                env.put("SMS_CLIENT_HEADERS_JSON", JSON.writeValueAsString(Map.of("Authorization", "Bearer " + clientToken)));
                env.put("SMS_CLIENT_ID", client);
                runBrowserTest("jwt", api, admin, env);
            }
        } finally {
            TestOutput.delete(keys);
        }
    }

    /** The API with the platform's settings plus {@code extra}; jwt mode has no admin key (the token's role is). */
    private static AppProcess startApi(String name, Map<String, String> extra) {
        Map<String, String> env = PLATFORM.env(extra);
        if ("jwt".equals(extra.get("SMS_AUTH_MODE"))) {
            env.remove("SMS_API_ADMIN_KEY");
        }
        return AppProcess.start(BuiltApp.API, name, env).awaitReady();
    }

    private static void runBrowserTest(String mode, AppProcess api, String adminPassword, Map<String, String> env)
            throws Exception {
        // A queue left paused by an earlier, interrupted run would fail the first checks for the wrong reason.
        for (String queue : List.of("express", "normal")) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest
                    .newBuilder(URI.create("http://127.0.0.1:" + api.port + "/dashboard/api/queues/" + queue + "/resume"))
                    .header("Authorization", "Basic " + Base64.getEncoder()
                            .encodeToString(("ops:" + adminPassword).getBytes(StandardCharsets.UTF_8)))
                    .header("X-Dashboard-Action", "1").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("resume %s before the run: %s", queue, r.body()).isEqualTo(200);
        }
        Path screenshots = TestOutput.tmpDir().resolveSibling("dashboard-screenshots").resolve(mode);
        Files.createDirectories(screenshots);
        env.put("SMS_API_URL", "http://127.0.0.1:" + api.port);
        env.put("SMS_POISON_PREFIX", POISON_PREFIX);
        env.put("SMS_SCREENSHOT_DIR", screenshots.toString());
        env.put("SMS_CHROMIUM", CHROMIUM.toString());
        Result result = run("dashboard-browser-" + mode, List.of("node", "dashboard.test.mjs"), env, SCRIPT_TIMEOUT);
        assertThat(result.exitCode)
                .as("node dashboard.test.mjs (%s mode) exit code; its output is in %s, the API's log in %s, "
                        + "screenshots in %s; last lines:%n%s", mode, result.log, api.log, screenshots, result.tail)
                .isZero();
        assertThat(screenshots.resolve("03-under-load.png")).as("the screenshot under load").isNotEmptyFile();
    }

    /** {@code npm ci} when node_modules lacks the playwright-core version package-lock.json pins. */
    private static void installPlaywright() throws Exception {
        JsonNode lock = JSON.readTree(BROWSER_TEST.resolve("package-lock.json").toFile());
        String pinned = lock.path("packages").path("node_modules/playwright-core").path("version").asText();
        assertThat(pinned).as("package-lock.json pins playwright-core").isNotEmpty();
        Path installed = BROWSER_TEST.resolve("node_modules/playwright-core/package.json");
        if (Files.isRegularFile(installed) && pinned.equals(JSON.readTree(installed.toFile()).path("version").asText())) {
            System.out.println("[dashboard] playwright-core " + pinned + " is installed in " + BROWSER_TEST);
            return;
        }
        System.out.println("[dashboard] npm ci in " + BROWSER_TEST + " (playwright-core " + pinned + ")");
        Result npm = run("npm-ci-browser-test", List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), NPM_TIMEOUT);
        assertThat(npm.exitCode).as("npm ci in %s (output in %s):%n%s", BROWSER_TEST, npm.log, npm.tail).isZero();
    }

    /** A token from bin/token, signed with the key pair in {@code keys} (created there on first use). */
    private static String token(Path keys, String kind, String subject) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Repository.ROOT.resolve("bin/token").toString(), kind, subject, "--ttl", "1h")
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("SMS_JWT_DIR", keys.toString());
        pb.environment().put("SMS_JWT_ISSUER", "sms-local");
        pb.environment().put("SMS_JWT_AUDIENCE", "sms-api");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("bin/token finished").isTrue();
        assertThat(p.exitValue()).as("bin/token %s %s", kind, subject).isZero();
        return out;
    }

    record Result(int exitCode, Path log, String tail) {}

    /**
     * Runs a command in the browser test's folder, its output streamed into the test's log (prefixed) and kept in
     * target/logs; killed after {@code timeout}.
     */
    private static Result run(String name, List<String> command, Map<String, String> env, Duration timeout)
            throws Exception {
        Path log = TestOutput.logFile(name);
        ProcessBuilder pb = new ProcessBuilder(command).directory(BROWSER_TEST.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed or not on PATH (bin/test installs Node.js, npm"
                    + " and chromium: bin/lib/services.sh)", e);
        }
        p.getOutputStream().close();
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                    PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
                String line;
                while ((line = in.readLine()) != null) {
                    System.out.println("[" + name + "] " + line);
                    out.println(line);
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 40) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, name + "-output");
        reader.start();
        if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            p.destroyForcibly();
            reader.join(5000);
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + "; output in " + log);
        }
        reader.join(10000);
        synchronized (tail) {
            return new Result(p.exitValue(), log, String.join("\n", tail));
        }
    }
}
