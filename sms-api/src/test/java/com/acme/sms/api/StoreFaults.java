package com.acme.sms.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Faults of the real stores the tests use, made from outside the API: Redis paused for every client (CLIENT PAUSE,
 * over a connection of the test's own, so the API's pool is not involved), and a PostgreSQL table locked by a
 * transaction of another session. Use only with the private Redis and database of a module test run.
 */
public final class StoreFaults {

    private StoreFaults() {}

    /**
     * Pauses every Redis client's writes for {@code millis} (the API's scripts count as writes); {@link #unpauseRedis}
     * ends it early. WRITE rather than ALL: reads, and the CLIENT UNPAUSE itself, still pass, so a test can look and
     * heal while the API's calls wait.
     */
    public static void pauseRedis(long millis) {
        redis("CLIENT PAUSE " + millis + " WRITE");
    }

    /**
     * Pauses every Redis command of every client, reads included, for {@code millis}. Nothing ends it early: CLIENT
     * UNPAUSE waits like any other command, so the caller waits for the pause to run out.
     */
    public static void pauseRedisEntirely(long millis) {
        redis("CLIENT PAUSE " + millis + " ALL");
    }

    public static void unpauseRedis() {
        redis("CLIENT UNPAUSE");
    }

    private static void redis(String inlineCommand) {
        URI uri = URI.create(ConfigProvider.getConfig().getValue("quarkus.redis.hosts", String.class).split(",")[0]);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort()), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder reply = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                reply.append((char) c);
            }
            if (!reply.toString().startsWith("+OK")) {
                throw new IllegalStateException(inlineCommand + " answered " + reply);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Opens a session of its own and holds an ACCESS EXCLUSIVE lock on the table until closed: every statement of
     * another session that reads the table waits.
     */
    public static AutoCloseable lockTable(String table) throws SQLException {
        var config = ConfigProvider.getConfig();
        Connection c = DriverManager.getConnection(config.getValue("quarkus.datasource.jdbc.url", String.class),
                config.getOptionalValue("quarkus.datasource.username", String.class).orElse("sms"),
                config.getOptionalValue("quarkus.datasource.password", String.class).orElse("sms"));
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
        }
        return () -> {
            c.rollback();
            c.close();
        };
    }
}
