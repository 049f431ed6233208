package com.acme.sms.worker;

import com.acme.sms.message.MessageType;
import com.acme.sms.worker.config.SettingsCheck;
import com.acme.sms.worker.config.WorkerConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;

/**
 * {@code java -jar sms-worker.jar --queue=express|normal}: one worker daemon for one queue. Express and normal
 * never share a process, so an express backlog never waits behind normal traffic.
 */
@QuarkusMain
public class WorkerMain implements QuarkusApplication {

    static final int EXIT_USAGE = 2;
    static final int EXIT_SCHEMA = 3;
    static final int EXIT_SETTINGS = 4;
    static final String USAGE = "usage: java -jar sms-worker/target/quarkus-app/quarkus-run.jar --queue=express|normal";

    @Inject
    WorkerRunner runner;

    @Inject
    Flyway flyway;

    @Inject
    WorkerConfig config;

    public static void main(String... args) {
        // Checked before Quarkus starts: a wrong argument should not wait for database connections to fail.
        if (queueArgument(args).flatMap(MessageType::parse).isEmpty()) {
            System.err.println(queueArgument(args).map(q -> "unknown queue '" + q + "': expected express or normal")
                    .orElse("missing --queue: expected --queue=express or --queue=normal"));
            System.err.println(USAGE);
            System.exit(EXIT_USAGE);
        }
        Quarkus.run(WorkerMain.class, args);
    }

    @Override
    public int run(String... args) {
        MessageType type = queueArgument(args).flatMap(MessageType::parse).orElseThrow();
        List<String> impossible = SettingsCheck.problems(config);
        if (!impossible.isEmpty()) {
            impossible.forEach(p -> Log.errorf("Impossible setting: %s. Refusing to run.", p));
            return EXIT_SETTINGS;
        }
        MigrationInfo[] pending = flyway.info().pending();
        if (flyway.info().current() == null || pending.length > 0) {
            Log.errorf("The database schema is %s: start the API first, which migrates it. Refusing to run.",
                    flyway.info().current() == null ? "missing" : "behind (" + pending.length + " pending migrations)");
            return EXIT_SCHEMA;
        }
        runner.start(type);
        Quarkus.waitForExit();
        return 0;
    }

    static Optional<String> queueArgument(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--queue=")) {
                return Optional.of(args[i].substring("--queue=".length()));
            }
            if (args[i].equals("--queue") && i + 1 < args.length) {
                return Optional.of(args[i + 1]);
            }
        }
        return Optional.empty();
    }
}
