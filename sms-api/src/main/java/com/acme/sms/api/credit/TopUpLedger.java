package com.acme.sms.api.credit;

import com.acme.sms.api.store.StoreBounds;
import com.acme.sms.api.store.StoreUnavailableException;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The PostgreSQL side of top-ups: the ledger entry, the PostgreSQL balance and the Idempotency-Key record, written
 * in one transaction; then whether the entry reached the live balance ({@code applied_at}), or, when Redis refused
 * it for good, its removal. Every step is safe to repeat and to race: the request, a client's retry and the recovery
 * job may all do them for one entry.
 */
@ApplicationScoped
public class TopUpLedger {

    private final AgroalDataSource db;

    public TopUpLedger(AgroalDataSource db) {
        this.db = db;
    }

    /** An Idempotency-Key with the hash of its request, remembered for {@code ttl}. */
    public record Key(String key, String requestHash, Duration ttl) {}

    /** A top-up recorded in PostgreSQL; {@code name} is the client's name as it now stands. */
    public record Recorded(long ledgerId, String name, long amount) {}

    /** What an Idempotency-Key recorded: the request's hash and the first answer's top-up. */
    public record Earlier(String requestHash, long ledgerId, String name, long amount) {}

    /** A top-up committed but not known to have reached the live balance. */
    public record Pending(long ledgerId, String clientId, long amount) {}

    public enum State {
        APPLIED,
        PENDING,
        /** Refused by Redis (over the balance limit) and taken out of PostgreSQL. */
        REMOVED
    }

    /**
     * Records a top-up; with a key, only when the key is new (or its record expired). When the key holds a record,
     * nothing is written and the record is returned instead, once the transaction that wrote it committed.
     */
    public Object record(String clientId, String name, long amount, String actor, Key key) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (key != null) {
                    try (PreparedStatement expired = c.prepareStatement(
                            "DELETE FROM credit_requests WHERE client_id = ? AND idempotency_key = ? AND expires_at <= now()")) {
                        expired.setString(1, clientId);
                        expired.setString(2, key.key());
                        expired.executeUpdate();
                    }
                    // A concurrent request with the same key waits here until the first one commits, then finds its row.
                    try (PreparedStatement claim = c.prepareStatement("""
                            INSERT INTO credit_requests (client_id, idempotency_key, request_hash, amount, expires_at)
                            VALUES (?, ?, ?, ?, now() + make_interval(secs => ?))
                            ON CONFLICT (client_id, idempotency_key) DO NOTHING""")) {
                        claim.setString(1, clientId);
                        claim.setString(2, key.key());
                        claim.setString(3, key.requestHash());
                        claim.setLong(4, amount);
                        claim.setLong(5, key.ttl().toSeconds());
                        if (claim.executeUpdate() == 0) {
                            c.rollback();
                            return earlier(c, clientId, key.key());
                        }
                    }
                }
                String currentName;
                try (PreparedStatement account = c.prepareStatement("""
                        INSERT INTO credits (client_id, name, balance) VALUES (?, ?, ?)
                        ON CONFLICT (client_id) DO UPDATE
                          SET balance = credits.balance + EXCLUDED.balance,
                              name = COALESCE(EXCLUDED.name, credits.name),
                              updated_at = now()
                        RETURNING name""")) {
                    account.setString(1, clientId);
                    account.setString(2, name);
                    account.setLong(3, amount);
                    try (ResultSet rs = account.executeQuery()) {
                        rs.next();
                        currentName = rs.getString(1);
                    }
                }
                long ledgerId;
                try (PreparedStatement ledger = c.prepareStatement("""
                        INSERT INTO credit_ledger (client_id, delta, reason, created_by, created_at)
                        VALUES (?, ?, 'top_up', ?, now()) RETURNING id""")) {
                    ledger.setString(1, clientId);
                    ledger.setLong(2, amount);
                    ledger.setString(3, actor);
                    try (ResultSet rs = ledger.executeQuery()) {
                        rs.next();
                        ledgerId = rs.getLong(1);
                    }
                }
                if (key != null) {
                    try (PreparedStatement answer = c.prepareStatement(
                            "UPDATE credit_requests SET ledger_id = ?, name = ? WHERE client_id = ? AND idempotency_key = ?")) {
                        answer.setLong(1, ledgerId);
                        answer.setString(2, currentName);
                        answer.setString(3, clientId);
                        answer.setString(4, key.key());
                        answer.executeUpdate();
                    }
                }
                try {
                    c.commit();
                } catch (SQLException e) {
                    if (!StoreBounds.isUnavailable(e)) {
                        throw e;
                    }
                    // The commit was sent and its answer lost (PostgreSQL frozen or gone mid-commit): the top-up may be
                    // recorded. Saying "nothing was changed" could make a client pay twice; if it was recorded, the
                    // recovery job brings it into the live balance, and a retry with the same key answers for it.
                    throw new StoreUnavailableException(StoreBounds.POSTGRESQL, "PostgreSQL did not confirm the top-up;"
                            + " it may have been recorded. Retry with the same Idempotency-Key to learn which (without a"
                            + " key, read the balance before retrying).", e);
                }
                return new Recorded(ledgerId, currentName, amount);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not record the top-up", e);
        }
    }

    private static Earlier earlier(Connection c, String clientId, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT request_hash, ledger_id, name, amount FROM credit_requests WHERE client_id = ? AND idempotency_key = ?")) {
            ps.setString(1, clientId);
            ps.setString(2, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    // The other request with this key rolled back: nothing is recorded under it.
                    throw new IllegalStateException("the Idempotency-Key's record vanished; try again");
                }
                return new Earlier(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4));
            } finally {
                c.commit();
            }
        }
    }

    public State state(long ledgerId) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT applied_at IS NOT NULL FROM credit_ledger WHERE id = ?")) {
            ps.setLong(1, ledgerId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return State.REMOVED;
                }
                return rs.getBoolean(1) ? State.APPLIED : State.PENDING;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not read the ledger", e);
        }
    }

    public void markApplied(long ledgerId) {
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "UPDATE credit_ledger SET applied_at = now() WHERE id = ? AND applied_at IS NULL")) {
            ps.setLong(1, ledgerId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not mark ledger entry " + ledgerId + " applied", e);
        }
    }

    /**
     * Takes a top-up that Redis refused for good out of PostgreSQL: the ledger entry and its share of the PostgreSQL
     * balance, together, and only once (a second call finds no pending entry).
     */
    public void remove(long ledgerId) {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM credit_ledger WHERE id = ? AND applied_at IS NULL AND reason = 'top_up' RETURNING client_id, delta");
                    PreparedStatement balance = c.prepareStatement(
                            "UPDATE credits SET balance = balance - ?, updated_at = now() WHERE client_id = ?")) {
                delete.setLong(1, ledgerId);
                try (ResultSet rs = delete.executeQuery()) {
                    if (rs.next()) {
                        balance.setLong(1, rs.getLong(2));
                        balance.setString(2, rs.getString(1));
                        balance.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not remove ledger entry " + ledgerId, e);
        }
    }

    /** Pending top-ups older than {@code age}, oldest first. */
    public List<Pending> pending(Duration age, int limit) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT id, client_id, delta FROM credit_ledger
                WHERE applied_at IS NULL AND reason = 'top_up' AND created_at < now() - make_interval(secs => ?)
                ORDER BY id LIMIT ?""")) {
            ps.setDouble(1, age.toMillis() / 1000.0);
            ps.setInt(2, limit);
            List<Pending> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new Pending(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                }
            }
            return result;
        } catch (SQLException e) {
            throw new IllegalStateException("could not read pending top-ups", e);
        }
    }

    /** Forgets expired Idempotency-Key records, a bounded number at a time; returns how many. */
    public int forgetExpiredKeys(int limit) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                DELETE FROM credit_requests WHERE ctid IN (
                  SELECT ctid FROM credit_requests WHERE expires_at <= now() LIMIT ?)""")) {
            ps.setInt(1, limit);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("could not forget expired Idempotency-Keys", e);
        }
    }
}
