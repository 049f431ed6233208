package com.acme.sms.system;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout the tests run in: Maven names its root (the parent project's folder), not a guess from the working directory. */
public final class Repository {

    public static final Path ROOT = root();
    /** The one way the apps are started and waited for, as bin/run and the benchmark do. */
    public static final Path LAUNCH = ROOT.resolve("bin/lib/launch");

    private Repository() {}

    private static Path root() {
        Path root = Path.of(SystemProperty.required("sms.repository.root")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("docker-compose.yml")) || !Files.isDirectory(root.resolve("bin"))) {
            throw new IllegalStateException("sms.repository.root=" + root + " is not the repository root");
        }
        return root;
    }
}
