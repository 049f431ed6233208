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
import java.util.TreeSet;
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

    /** Everything a request could change about one client: live balance, account, ledger, messages, opt-outs. */
    public String footprint(String client) {
        return balanceKey(client) + "|"
                + text("SELECT balance || '/' || COALESCE(name, '') FROM credits WHERE client_id = ?", client)
                + "|" + count("SELECT count(*) FROM credit_ledger WHERE client_id = ?", client)
                + "|" + count("SELECT count(*) FROM messages WHERE client_id = ?", client)
                + "|" + text("SELECT string_agg(number, ',' ORDER BY number) FROM opt_outs WHERE client_id = ?", client)
                + "|" + new TreeSet<>(redis.set(String.class).smembers(RedisKeys.optOuts(client)));
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

    /**
     * Writes 100 sent messages of 1,600 emoji for the client, as a worker would (no counters): a sent-log page of all
     * of them is the largest page there is, about 0.65 MB of JSON (issue 16's attack).
     */
    public void largestPage(String client) {
        execute("""
                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at,
                                      updated_at, error_message, attempts)
                SELECT gen_random_uuid(), ?, 'normal', '+4917012345', 'App', repeat(?, 1600), 'sent',
                       now() - i * interval '1 second', now(), NULL, 1
                FROM generate_series(1, 100) AS i""", client, "\uD83D\uDE00");
    }

    /**
     * Deletes both queues. No worker runs in this module's tests, so entries the other tests queued would stay
     * forever, and a rebuild refuses while anything is queued.
     */
    public void clearQueues() {
        for (MessageType type : MessageType.values()) {
            redis.key(String.class).del(RedisKeys.stream(type));
        }
    }

    /**
     * Does what a worker does for the entries now in a type's queue, in its order: one PostgreSQL transaction per
     * entry (the row as sent, the day's counters, the PostgreSQL balance, a ledger row), then the entry is deleted from the stream.
     * Returns how many it finished.
     */
    public int finishQueuedAsSent(MessageType type) {
        List<StreamMessage<String, String, String>> entries = redis.stream(String.class)
                .xrange(RedisKeys.stream(type), io.quarkus.redis.datasource.stream.StreamRange.of("-", "+"));
        for (StreamMessage<String, String, String> m : entries) {
            String client = m.payload().get("c");
            try (Connection c = db.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement row = c.prepareStatement(
                        """
                                INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at)
                                VALUES (?, ?, ?, ?, ?, ?, 'sent', sms_uuid_v7_time(?), now()) ON CONFLICT DO NOTHING""");
                        PreparedStatement balance = c.prepareStatement(
                                "UPDATE credits SET balance = balance - 1 WHERE client_id = ?");
                        PreparedStatement ledger = c.prepareStatement(
                                "INSERT INTO credit_ledger (client_id, delta, reason, created_by) VALUES (?, -1, 'sent', 'test-worker')");
                        PreparedStatement usage = c.prepareStatement("""
                                INSERT INTO usage_daily AS u (client_id, day, type, accepted, sent, credits_charged)
                                VALUES (?, (sms_uuid_v7_time(?) AT TIME ZONE 'UTC')::date, ?, 1, 1, 1)
                                ON CONFLICT (client_id, day, type) DO UPDATE SET accepted = u.accepted + 1,
                                  sent = u.sent + 1, credits_charged = u.credits_charged + 1""")) {
                    row.setObject(1, UUID.fromString(m.payload().get("id")));
                    row.setString(2, client);
                    row.setString(3, type.wireName());
                    row.setString(4, m.payload().get("to"));
                    row.setString(5, m.payload().get("f"));
                    row.setString(6, m.payload().get("b"));
                    row.setObject(7, UUID.fromString(m.payload().get("id")));
                    if (row.executeUpdate() == 1) {
                        usage.setString(1, client);
                        usage.setObject(2, UUID.fromString(m.payload().get("id")));
                        usage.setString(3, type.wireName());
                        usage.executeUpdate();
                        balance.setString(1, client);
                        balance.executeUpdate();
                        ledger.setString(1, client);
                        ledger.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            redis.stream(String.class).xdel(RedisKeys.stream(type), m.id());
        }
        return entries.size();
    }

    public RedisDataSource redis() {
        return redis;
    }
}
