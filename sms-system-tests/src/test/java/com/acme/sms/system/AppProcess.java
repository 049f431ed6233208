package com.acme.sms.system;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A packaged app the tests started as {@code bin/run} does: {@code bin/lib/launch api|worker [args]}, which execs the
 * JVM, so {@link #process} is the JVM itself and signals (SIGKILL, SIGSTOP, SIGTERM) reach it. Readiness is
 * {@code bin/lib/launch --wait-ready}, the same wait bin/run uses. Output goes to a log under target/logs.
 */
public final class AppProcess implements AutoCloseable {

    /** Connections for black-box runs: the test database and a Redis logical database of their own. */
    public static final Map<String, String> TEST_ENV = Map.of(
            "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/sms_test",
            "QUARKUS_REDIS_HOSTS", "redis://127.0.0.1:6379/14",
            "SMS_PROVIDER_FAIL_PREFIX", "+4477009",
            "SMS_PROVIDER_UNDELIVERED_PREFIX", "+4477001",
            "SMS_PROVIDER_RECEIPT_DELAY", "300ms",
            "SMS_PROVIDER_LATENCY_MS", "5");
    public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    public final String name;
    /** The HTTP port: the API's endpoints (a worker's answers 404 to everything). */
    public final int port;
    /** The management port: health and metrics (and the API's OpenAPI); the same as {@link #port} for a program. */
    public final int managementPort;
    public final Process process;
    public final Path log;

    private AppProcess(String name, int port, int managementPort, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.managementPort = managementPort;
        this.process = process;
        this.log = log;
    }

    public static AppProcess start(BuiltApp app, String name, String... args) {
        return start(app, name, Map.of(), args);
    }

    /**
     * Starts the app on a free port, and its management interface on another, with {@link #TEST_ENV} plus {@code env}
     * (which wins); not awaited. A small heap (several apps share the machine with the build) and target/tmp as its
     * temporary folder.
     */
    public static AppProcess start(BuiltApp app, String name, Map<String, String> env, String... args) {
        int port = freePort();
        int managementPort = freePort();
        List<String> command = new ArrayList<>(List.of(Repository.LAUNCH.toString(), app.launchName));
        command.addAll(List.of(args));
        Map<String, String> environment = new HashMap<>();
        // The launcher runs the `java` on PATH: make it the one running the tests.
        environment.put("PATH", Path.of(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"));
        environment.put("SMS_APP_DIR", app.quarkusApp().toString());
        // No hsperfdata: a JVM killed with SIGKILL would leave its file in /tmp.
        environment.put("SMS_JAVA_OPTS", "-Xmx256m -XX:-UsePerfData -Djava.io.tmpdir=" + TestOutput.tmpDir());
        environment.putAll(TEST_ENV);
        environment.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // Explicit, not launch's HTTP port + 1000: that port may be taken on a shared machine.
        environment.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        environment.putAll(env);
        return launch(name, port, Integer.parseInt(environment.get("QUARKUS_MANAGEMENT_PORT")), command, environment);
    }

    /** Another server a test runs beside the apps (Prometheus), with its output in target/logs; not awaited. */
    public static AppProcess program(String name, int port, List<String> command) {
        return launch(name, port, port, command, Map.of());
    }

    private static AppProcess launch(String name, int port, int managementPort, List<String> command,
            Map<String, String> env) {
        Path log = TestOutput.logFile(name);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        try {
            return new AppProcess(name, port, managementPort, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
    }

    public AppProcess awaitReady() {
        return awaitReady(START_TIMEOUT);
    }

    /**
     * Waits until /q/health/ready on the management port answers 200; fails at once, with the log's end, if the app
     * exits first.
     */
    public AppProcess awaitReady(Duration timeout) {
        List<String> command = List.of(Repository.LAUNCH.toString(), "--wait-ready", Integer.toString(managementPort),
                Long.toString(timeout.toSeconds()), Long.toString(process.pid()));
        try {
            Process wait = new ProcessBuilder(command).redirectErrorStream(true).start();
            wait.getOutputStream().close();
            String said = new String(wait.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!wait.waitFor(10, TimeUnit.SECONDS)) {
                wait.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not return");
            }
            return switch (wait.exitValue()) {
                case 0 -> this;
                case 3 -> {
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
                }
                default -> throw new IllegalStateException(name + ": " + said + "\n" + logTail());
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + name, e);
        }
    }

    /** Waits until GET {@code path} answers 200: for a {@link #program} with its own readiness endpoint. */
    public AppProcess awaitHttp(String path, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (status(path) != 200) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + ": " + path + " not ready within " + timeout + "\n" + logTail());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + name, e);
            }
        }
        return this;
    }

    /** The HTTP status of GET {@code path} on this process' port, -1 when nothing answers. */
    public int status(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            return c.getResponseCode();
        } catch (IOException e) {
            return -1;
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public String logText() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM (a graceful stop), SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    public long pid() {
        return process.pid();
    }

    /** Sends a signal (STOP, CONT, TERM, KILL) as the shell's kill would. */
    public void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
