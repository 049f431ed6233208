package com.acme.sms.system;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Parameter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One of the two runnable apps as Maven built it for this reactor: where its {@code quarkus-app} is (for
 * {@code bin/lib/launch}), and what it reads (its packaged properties and the configuration keys its classes and
 * sms-common's declare). Everything comes from the artifacts, not from the modules' sources.
 */
public enum BuiltApp {
    API("sms-api", "api", "sms.api.artifact"),
    WORKER("sms-worker", "worker", "sms.worker.artifact");

    /** sms-common, which both apps package: its shared defaults and configuration classes are the apps' too. */
    public static final Artifact COMMON = Artifact.of("sms-common", "sms.common.artifact");

    /** The module's folder name, as docker-compose.yml and the image names spell it. */
    public final String module;
    /** The app's name for {@code bin/lib/launch}. */
    public final String launchName;
    private final String property;
    private Artifact artifact;
    private Map<String, ConfigKey> configKeys;

    BuiltApp(String module, String launchName, String property) {
        this.module = module;
        this.launchName = launchName;
        this.property = property;
    }

    /** The app whose module folder is {@code moduleDir} (e.g. a compose build context). */
    public static BuiltApp ofModule(Path moduleDir) {
        String name = moduleDir.getFileName().toString();
        return Arrays.stream(values()).filter(a -> a.module.equals(name)).findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException(moduleDir + " is not one of the apps " + Arrays.toString(values())));
    }

    public synchronized Artifact artifact() {
        if (artifact == null) {
            artifact = Artifact.of(module, property);
        }
        return artifact;
    }

    /**
     * The runnable fast-jar folder, as Quarkus recorded it in target/quarkus-artifact.properties next to the
     * artifact. Absent when the reactor has not packaged the app (mvn test) or did not build it at all.
     */
    public Path quarkusApp() {
        Path build = artifact().buildDirectory();
        Path record = build.resolve("quarkus-artifact.properties");
        if (!Files.isRegularFile(record)) {
            throw new IllegalStateException(module + " is not packaged: no " + record + ". Build it in the same reactor"
                    + " (mvn -B verify at the repository root, or -pl sms-system-tests -am)");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(record)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path runJar = build.resolve(p.getProperty("path", "quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(runJar)) {
            throw new IllegalStateException(module + ": " + runJar + " is missing; package it (mvn -B verify)");
        }
        return runJar.getParent();
    }

    /**
     * The prod profile's settings the app ships: sms-common's META-INF/microprofile-config.properties overridden by
     * the app's application.properties (profile keys such as {@code %test.} left out).
     */
    public Map<String, String> config() {
        Map<String, String> config = new TreeMap<>();
        load(config, COMMON, "META-INF/microprofile-config.properties");
        load(config, artifact(), "application.properties");
        return config;
    }

    private static void load(Map<String, String> config, Artifact from, String entry) {
        byte[] bytes = from.read(entry).orElseThrow(() -> new IllegalStateException(from + " has no " + entry));
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.stringPropertyNames().stream().filter(k -> !k.startsWith("%")).forEach(k -> config.put(k, p.getProperty(k).trim()));
    }

    /** A configuration key a class of the app declares, with its default and the Java type it converts to. */
    public record ConfigKey(String name, Optional<String> defaultValue, Class<?> type, String declaredBy) {}

    /**
     * Every key the app's classes and sms-common's declare: the properties of each {@code @ConfigMapping}
     * interface, named as SmallRye Config names them, and each {@code @ConfigProperty} injection point.
     */
    public synchronized Map<String, ConfigKey> configKeys() {
        if (configKeys == null) {
            Map<String, ConfigKey> keys = new TreeMap<>();
            for (Artifact a : List.of(COMMON, artifact())) {
                for (String name : a.classNames()) {
                    Class<?> c = load(name);
                    ConfigMapping mapping = c.getAnnotation(ConfigMapping.class);
                    if (mapping != null) {
                        ConfigMappings.getProperties(new ConfigMappings.ConfigClass(c, mapping.prefix()))
                                .forEach((key, property) -> {
                                    keys.put(key, new ConfigKey(key, defaultValue(property),
                                            property.getMethod().getReturnType(), c.getName()));
                                });
                    }
                    for (AnnotatedElement e : injectionPoints(c)) {
                        ConfigProperty cp = e.getAnnotation(ConfigProperty.class);
                        if (cp != null) {
                            Optional<String> def = cp.defaultValue().equals(ConfigProperty.UNCONFIGURED_VALUE)
                                    ? Optional.empty() : Optional.of(cp.defaultValue());
                            Class<?> type = e instanceof Field f ? f.getType() : ((Parameter) e).getType();
                            keys.put(cp.name(), new ConfigKey(cp.name(), def, type, c.getName()));
                        }
                    }
                }
            }
            configKeys = keys;
        }
        return configKeys;
    }

    /** The key as the app declares it; a test failure names it when no class declares it. */
    public ConfigKey configKey(String name) {
        ConfigKey key = configKeys().get(name);
        if (key == null) {
            throw new AssertionError(module + " declares no configuration key " + name + " (renamed?); it declares "
                    + configKeys().keySet());
        }
        return key;
    }

    private static Optional<String> defaultValue(ConfigMappingInterface.Property property) {
        ConfigMappingInterface.Property p = property.isOptional() ? property.asOptional().getNestedProperty() : property;
        return p.hasDefaultValue() ? Optional.ofNullable(p.getDefaultValue()) : Optional.empty();
    }

    private static List<AnnotatedElement> injectionPoints(Class<?> c) {
        List<AnnotatedElement> points = new ArrayList<>(Arrays.asList(c.getDeclaredFields()));
        List<Executable> executables = new ArrayList<>(Arrays.asList(c.getDeclaredConstructors()));
        executables.addAll(Arrays.asList(c.getDeclaredMethods()));
        for (Executable e : executables) {
            points.addAll(Arrays.asList(e.getParameters()));
        }
        return points;
    }

    private static Class<?> load(String name) {
        try {
            // Not initialized: a class's static setup (CDI, Redis, ...) is no business of a reading.
            return Class.forName(name, false, BuiltApp.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(name + " is in the artifact but not on the test class path", e);
        }
    }
}
