package com.acme.sms.api;

import com.acme.sms.message.MessageType;
import com.acme.sms.redis.RedisKeys;
import io.agroal.api.AgroalDataSource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.stream.StreamMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;

/** Direct looks into the real Redis and PostgreSQL, to check what a request did or did not change. */
@ApplicationScoped
public class Stores {

    private final RedisDataSource redis;
    private final AgroalDataSource db;

    public Stores(RedisDataSource redis, AgroalDataSource db) {
        this.redis = redis;
        this.db = db;
    }

    public static String newClient() {
        return "t-" + UUID.randomUUID().toString().substring(0, 13);
    }

    /** A new client with this much credit, added through the API in header mode. */
    public static String creditedClient(int credit) {
        String client = newClient();
        io.restassured.RestAssured.given().header("X-Client-ID", client).contentType("application/json")
                .body("{\"balance\": " + credit + "}")
                .when().post("/api/credit/increase").then().statusCode(200);
        return client;
    }

    /** The raw balance key, null when absent (the accept script deletes it at zero). */
    public String balanceKey(String client) {
        return redis.value(String.class).get(RedisKeys.balance(client));
    }

    public boolean balanceKeyExists(String client) {
        return redis.key(String.class).exists(RedisKeys.balance(client));
    }

    public void setBalance(String client, long balance) {
        redis.value(String.class).set(RedisKeys.balance(client), Long.toString(balance));
    }

    /** Entries of one client in a type's stream. */
    public List<StreamMessage<String, String, String>> queued(MessageType type, String client) {
        return redis.stream(String.class)
                .xrange(RedisKeys.stream(type), io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"))
                .stream().filter(m -> client.equals(m.payload().get("c"))).toList();
    }

    public long count(String sql, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first column of the first row as text, null when there is no row. */
    public String text(String sql, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Everything a request could change about one client: live balance, account, ledger, messages. */
    public String footprint(String client) {
        return balanceKey(client) + "|"
                + text("SELECT balance || '/' || COALESCE(name, '') FROM credits WHERE client_id = ?", client)
                + "|" + count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)
                + "|" + count("SELECT count(*) FROM messages WHERE client_id = ?", client);
    }

    public void execute(String sql, Object... params) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public RedisDataSource redis() {
        return redis;
    }
}
