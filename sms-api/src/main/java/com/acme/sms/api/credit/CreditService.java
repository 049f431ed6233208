package com.acme.sms.api.credit;

import com.acme.sms.credit.Credit;
import com.acme.sms.credit.CreditLedgerEntry;
import com.acme.sms.credit.CreditScripts;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.OffsetDateTime;

/**
 * Adding credit touches two stores that cannot commit together. PostgreSQL (the ledger) commits first, then Redis
 * (the live balance) is raised; if Redis fails, the PostgreSQL change is undone. A failure in between can only
 * leave a client with less live credit than recorded, never more, so credit can not be spent that was not paid
 * for, and reconciliation finds the gap.
 */
@ApplicationScoped
public class CreditService {

    private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(10);

    private final CreditScripts credit;
    private final EntityManager em;

    public CreditService(CreditScripts credit, EntityManager em) {
        this.credit = credit;
        this.em = em;
    }

    public record Account(String clientId, String name, long balance) {}

    private record TopUp(long ledgerId, String name) {}

    public Account increase(String clientId, String name, long amount, String actor) {
        TopUp topUp = QuarkusTransaction.requiringNew().call(() -> {
            // RETURNING gives the client's name as it now stands, so the answer needs no second read.
            String currentName = (String) em.createNativeQuery("""
                    INSERT INTO credits (client_id, name, balance) VALUES (:client, :name, :amount)
                    ON CONFLICT (client_id) DO UPDATE
                      SET balance = credits.balance + EXCLUDED.balance,
                          name = COALESCE(EXCLUDED.name, credits.name),
                          updated_at = now()
                    RETURNING name
                    """)
                    .setParameter("client", clientId)
                    .setParameter("name", name)
                    .setParameter("amount", amount)
                    .getSingleResult();
            CreditLedgerEntry entry = new CreditLedgerEntry();
            entry.clientId = clientId;
            entry.delta = amount;
            entry.reason = CreditLedgerEntry.TOP_UP;
            entry.createdBy = actor;
            entry.createdAt = OffsetDateTime.now();
            entry.persist();
            return new TopUp(entry.id, currentName);
        });
        CreditScripts.Addition addition;
        try {
            addition = credit.add(clientId, amount).await().atMost(REDIS_TIMEOUT);
        } catch (RuntimeException redisFailure) {
            undo(clientId, amount, topUp.ledgerId());
            Log.errorf(redisFailure, "Could not raise the live balance of %s; the top-up was undone", clientId);
            throw new CreditUnavailableException(redisFailure);
        }
        return switch (addition.outcome()) {
            case ADDED -> new Account(clientId, topUp.name(), addition.balance());
            case OVER_LIMIT -> {
                undo(clientId, amount, topUp.ledgerId());
                throw new BalanceLimitException(CreditScripts.MAX_BALANCE);
            }
        };
    }

    /** Whether the client has an account: credit was added to it at least once. */
    public boolean exists(String clientId) {
        return QuarkusTransaction.joiningExisting().call(() -> Credit.findById(clientId)) != null;
    }

    public Account get(String clientId) {
        long balance = credit.balance(clientId).await().atMost(REDIS_TIMEOUT);
        return new Account(clientId, currentName(clientId), balance);
    }

    private String currentName(String clientId) {
        Credit account = QuarkusTransaction.joiningExisting().call(() -> Credit.findById(clientId));
        return account == null ? null : account.name;
    }

    private void undo(String clientId, long amount, long ledgerId) {
        QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("UPDATE credits SET balance = balance - :amount, updated_at = now() WHERE client_id = :client")
                    .setParameter("amount", amount)
                    .setParameter("client", clientId)
                    .executeUpdate();
            em.createNativeQuery("DELETE FROM credit_ledger WHERE id = :id").setParameter("id", ledgerId).executeUpdate();
        });
    }
}
