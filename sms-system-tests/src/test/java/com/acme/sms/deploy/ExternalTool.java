package com.acme.sms.deploy;

import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Binaries the deployment checks run: they must be on PATH. The tests install nothing; a missing binary fails the
 * test (never skips it) with the package to install:
 * <ul>
 * <li>{@code promtool}, {@code prometheus}: Debian package {@code prometheus};</li>
 * <li>{@code kubectl} (for {@code kubectl kustomize}, which needs no cluster): Debian's package
 * {@code kubernetes-client} (kubectl 1.20) or any newer kubectl; the environment variable {@code SMS_KUBECTL}
 * names another one (a path, or a name looked up on PATH) than the {@code kubectl} on PATH.</li>
 * </ul>
 */
final class ExternalTool {

    static final String PROMETHEUS_HINT = "install Debian's package `prometheus` (apt-get install prometheus)";
    static final String KUBECTL_HINT = "install Debian's package `kubernetes-client` (apt-get install kubernetes-client) "
            + "or any kubectl from 1.20 on, or point SMS_KUBECTL at one";
    /** Environment variable naming the kubectl to use instead of the one on PATH. */
    static final String KUBECTL_ENV = "SMS_KUBECTL";

    private ExternalTool() {}

    /** The executable's path, or a test failure naming what to install. */
    static Path require(String name, String hint) {
        return find(name).orElseGet(() -> fail("`%s` is not on PATH (%s): the deployment checks need it; %s",
                name, System.getenv("PATH"), hint));
    }

    /**
     * The kubectl to run: {@code $SMS_KUBECTL} when set (a path, or a bare name looked up on PATH), else
     * {@code kubectl} on PATH; a test failure naming what to install otherwise.
     */
    static Path kubectl() {
        String chosen = System.getenv(KUBECTL_ENV);
        if (chosen == null || chosen.isBlank()) {
            return require("kubectl", KUBECTL_HINT);
        }
        if (!chosen.contains(File.separator)) {
            return find(chosen).orElseGet(() -> fail("%s=%s is not on PATH (%s); %s", KUBECTL_ENV, chosen,
                    System.getenv("PATH"), KUBECTL_HINT));
        }
        Path path = Path.of(chosen);
        if (!Files.isRegularFile(path) || !Files.isExecutable(path)) {
            return fail("%s=%s is not an executable file; %s", KUBECTL_ENV, chosen, KUBECTL_HINT);
        }
        return path;
    }

    static Optional<Path> find(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    record Result(int exitCode, String stdout, String stderr) {
        String both() {
            return stdout + (stderr.isEmpty() ? "" : "\n" + stderr);
        }
    }

    /** Runs the command in {@code dir}, at most {@code timeoutSeconds}; stdout and stderr are captured. */
    static Result run(Path dir, long timeoutSeconds, String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        try {
            Path out = Files.createTempFile("deploy-tool-", ".out");
            Path err = Files.createTempFile("deploy-tool-", ".err");
            try {
                Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    return fail("%s did not finish within %d s", String.join(" ", cmd), timeoutSeconds);
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return fail("cannot run %s: %s", String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted running %s", String.join(" ", cmd));
        }
    }
}
