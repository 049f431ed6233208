package com.acme.sms.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Where the tests write: the module's {@code target/}, never the machine's temporary folder, so a run leaves nothing
 * behind that {@code mvn clean} does not remove. Logs stay after the run (target/logs, for reading a failure);
 * the folders of the servers a test starts (target/servers) are removed by the test when it stops them.
 */
public final class TestOutput {

    private static final Path TARGET = Path.of(SystemProperty.required("sms.test.output")).toAbsolutePath().normalize();

    private TestOutput() {}

    /** A new, empty log file {@code target/logs/NAME-<unique>.log}. */
    public static Path logFile(String name) {
        try {
            return Files.createTempFile(Files.createDirectories(TARGET.resolve("logs")), name + "-", ".log");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new, empty folder {@code target/servers/PREFIX<unique>} for a server's data; {@link #delete} it when done. */
    public static Path serverDir(String prefix) {
        try {
            return Files.createTempDirectory(Files.createDirectories(TARGET.resolve("servers")), prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code target/tmp}: the temporary folder of the apps the tests start (java.io.tmpdir). */
    public static Path tmpDir() {
        try {
            return Files.createDirectories(TARGET.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a folder and everything in it, if it exists. */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
