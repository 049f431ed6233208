package com.acme.sms.e2e;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One of the packaged apps, started as a user would: {@code java -jar .../quarkus-run.jar [args]}. */
final class AppProcess implements AutoCloseable {

    /** Connections for black-box runs: the test database and a Redis logical database of their own. */
    static final Map<String, String> ENV = Map.of(
            "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/sms_test",
            "QUARKUS_REDIS_HOSTS", "redis://127.0.0.1:6379/14",
            "SMS_PROVIDER_FAIL_PREFIX", "+999",
            "SMS_PROVIDER_LATENCY_MS", "5");

    final String name;
    final int port;
    final Process process;
    final Path log;

    private AppProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static Path apiJar() {
        return jar(Path.of("..", "sms-api", "target", "quarkus-app", "quarkus-run.jar"));
    }

    static Path workerJar() {
        return jar(Path.of("target", "quarkus-app", "quarkus-run.jar"));
    }

    private static Path jar(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalStateException(path.toAbsolutePath() + " is missing: run `mvn package` (or bin/test) at the root");
        }
        return path;
    }

    static AppProcess start(String name, Path jar, String... args) throws IOException {
        return start(name, jar, Map.of(), args);
    }

    /** Starts with {@link #ENV} plus {@code env} (which wins). */
    static AppProcess start(String name, Path jar, Map<String, String> env, String... args) throws IOException {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx256m", "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile("sms-" + name + "-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(ENV);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().putAll(env);
        return new AppProcess(name, port, pb.start(), log);
    }

    AppProcess awaitReady() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            return status("/q/health/ready") == 200;
        });
        return this;
    }

    int status(String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            c.setConnectTimeout(1000);
            c.setReadTimeout(2000);
            return c.getResponseCode();
        } catch (IOException e) {
            return -1;
        }
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    long pid() {
        return process.pid();
    }

    /** Sends a signal (STOP, CONT, TERM, KILL) as the shell's kill would. */
    void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
