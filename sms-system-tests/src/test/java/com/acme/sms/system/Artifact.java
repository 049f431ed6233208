package com.acme.sms.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * What Maven built for one module of the reactor: its jar, or its {@code target/classes} when the reactor stopped
 * before {@code package} (mvn test). The tests read the apps from here (their packaged configuration and classes),
 * never from another module's sources.
 */
public record Artifact(String module, Path path) {

    /** The artifact Maven resolved for {@code module}, from the system property the module's pom sets. */
    static Artifact of(String module, String property) {
        Path path = Path.of(SystemProperty.required(property)).toAbsolutePath().normalize();
        if (!Files.exists(path)) {
            throw new IllegalStateException(module + ": " + path + " (" + property + ") does not exist");
        }
        return new Artifact(module, path);
    }

    /** The module's build folder: the jar and target/classes are both directly in target/. */
    public Path buildDirectory() {
        return path.getParent();
    }

    /** The bytes of an entry ("application.properties", "com/acme/.../X.class"), if the artifact holds it. */
    public Optional<byte[]> read(String entry) {
        try {
            if (Files.isDirectory(path)) {
                Path file = path.resolve(entry);
                return Files.isRegularFile(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
            }
            try (JarFile jar = new JarFile(path.toFile())) {
                JarEntry e = jar.getJarEntry(entry);
                if (e == null) {
                    return Optional.empty();
                }
                try (InputStream in = jar.getInputStream(e)) {
                    return Optional.of(in.readAllBytes());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path + "!" + entry, e);
        }
    }

    /** Names of the entries under {@code folder} ("db/migration/") ending in {@code suffix}, sorted. */
    public List<String> entries(String folder, String suffix) {
        List<String> names = new ArrayList<>();
        try {
            if (Files.isDirectory(path)) {
                Path dir = path.resolve(folder);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        files.filter(Files::isRegularFile).map(f -> path.relativize(f).toString().replace('\\', '/'))
                                .filter(n -> n.endsWith(suffix)).forEach(names::add);
                    }
                }
            } else {
                try (JarFile jar = new JarFile(path.toFile())) {
                    jar.stream().map(JarEntry::getName).filter(n -> n.startsWith(folder) && n.endsWith(suffix))
                            .forEach(names::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path.toString(), e);
        }
        names.sort(null);
        return names;
    }

    /** The classes the module compiled, as binary names (com.acme.sms.api.config.AuthConfig$Mode). */
    public List<String> classNames() {
        return entries("com/acme/sms/", ".class").stream()
                .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.')).toList();
    }

    @Override
    public String toString() {
        return module + " (" + path + ")";
    }
}
