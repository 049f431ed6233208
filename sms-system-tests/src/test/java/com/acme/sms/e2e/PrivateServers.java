package com.acme.sms.e2e;

import com.acme.sms.system.AppProcess;
import com.acme.sms.system.TestOutput;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Redis and PostgreSQL instances a fault test starts, kills and restarts itself, on free ports and in folders of
 * their own under target/servers, so the machine's shared servers are never disturbed; closing one stops it and
 * removes its folder.
 */
final class PrivateServers {

    private PrivateServers() {}

    /** A redis-server with the shipped durability settings: AOF on, fsync every second, noeviction. */
    static final class Redis implements AutoCloseable {
        final int port;
        final Path dir;
        private final String evictionPolicy;
        private Process process;

        Redis() {
            this("noeviction");
        }

        Redis(String evictionPolicy) {
            this.port = AppProcess.freePort();
            this.dir = TestOutput.serverDir("redis-");
            this.evictionPolicy = evictionPolicy;
        }

        Redis start() throws Exception {
            process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
                    "--maxmemory-policy", evictionPolicy)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            long deadline = System.currentTimeMillis() + 20_000;
            while (true) {
                try {
                    if ("PONG".equals(Resp.once(port, 0, "PING"))) {
                        return this;
                    }
                } catch (RuntimeException notYet) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("redis-server did not start; see " + dir.resolve("redis.log"));
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
        }

        /** SIGKILL: no shutdown, no final fsync. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            if (process != null) {
                kill();
            }
            TestOutput.delete(dir);
        }
    }

    /** A PostgreSQL cluster of its own (initdb), with the role and database the apps expect. */
    static final class Postgres implements AutoCloseable {
        final int port;
        final Path dir;
        private final Path bin;

        Postgres() throws Exception {
            this.port = AppProcess.freePort();
            this.bin = binaries();
            this.dir = reachableDir();
        }

        /**
         * target/servers/pg-..., unless the tests run as root in a checkout the postgres user cannot reach (one
         * under /root, mode 0700): then a folder of the machine's temporary folder, which close() removes as well.
         */
        private static Path reachableDir() throws Exception {
            Path dir = TestOutput.serverDir("pg-");
            // init() hands the folder itself to postgres; what matters is whether postgres can get to it.
            if (!isRoot()) {
                return dir;
            }
            Process probe = new ProcessBuilder("runuser", "-u", "postgres", "--", "test", "-x", dir.getParent().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                return dir;
            }
            TestOutput.delete(dir);
            return Files.createTempDirectory("sms-pg-");
        }

        String jdbcUrl() {
            return "jdbc:postgresql://127.0.0.1:" + port + "/sms";
        }

        Postgres init() throws Exception {
            if (isRoot()) {
                // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
                run(List.of("chown", "-R", "postgres", dir.toString()), false);
            }
            run(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8"), true);
            start();
            run(List.of(bin.resolve("psql").toString(), "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres",
                    "-c", "CREATE ROLE sms LOGIN PASSWORD 'sms'", "-c", "CREATE DATABASE sms OWNER sms"), true);
            return this;
        }

        void start() throws Exception {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-l",
                    dir.resolve("pg.log").toString(), "-o", "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1",
                    "start"), true);
        }

        void stop() throws Exception {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w",
                    "stop"), true);
        }

        /**
         * Freezes the whole server (SIGSTOP to the postmaster and every backend): connections stay open and new ones
         * are accepted by the kernel, but nothing answers, as with a machine that hangs or a VM paused by its host.
         */
        void freeze() throws Exception {
            signalAll("STOP");
        }

        void thaw() throws Exception {
            signalAll("CONT");
        }

        private void signalAll(String signal) throws Exception {
            String postmaster = Files.readAllLines(dir.resolve("data").resolve("postmaster.pid")).get(0).trim();
            // The backends first, so none is started by a postmaster that is still running.
            new ProcessBuilder("pkill", "-" + signal, "-P", postmaster).start().waitFor(10, TimeUnit.SECONDS);
            Process p = new ProcessBuilder("kill", "-" + signal, postmaster).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + postmaster + " failed");
            }
        }

        @Override
        public void close() {
            try {
                thaw();
            } catch (Exception notFrozen) {
                // nothing to thaw
            }
            try {
                stop();
            } catch (Exception alreadyStopped) {
                // nothing to stop
            }
            TestOutput.delete(dir);
        }

        private void run(List<String> command, boolean asPostgres) throws Exception {
            List<String> full = new ArrayList<>();
            if (asPostgres && isRoot()) {
                full.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            full.addAll(command);
            Path log = dir.resolve("commands.log");
            Process p = new ProcessBuilder(full).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("failed: " + String.join(" ", full) + "\n" + Files.readString(log));
            }
        }

        private static boolean isRoot() {
            return "root".equals(System.getProperty("user.name"));
        }

        private static Path binaries() {
            File[] versions = new File("/usr/lib/postgresql").listFiles();
            if (versions == null || versions.length == 0) {
                throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql"
                        + " (bin/test installs Debian's postgresql when absent)");
            }
            return Arrays.stream(versions).max(Comparator.comparing(File::getName)).orElseThrow().toPath().resolve("bin");
        }
    }
}
