package com.acme.sms.api.credit;

import com.acme.sms.api.config.ApiConfig;
import com.acme.sms.api.config.CreditConfig;
import com.acme.sms.api.message.IdempotencyKeyReusedException;
import com.acme.sms.api.message.IdempotencyKeys;
import com.acme.sms.credit.Credit;
import com.acme.sms.credit.CreditScripts;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Adding credit touches two stores that cannot commit together. PostgreSQL (the ledger) commits first, then the
 * ledger entry is applied to Redis (the live balance) by {@code credit_add.lua}, which applies one entry at most
 * once. Nothing is ever undone after the commit: when Redis does not answer in time, the entry stays pending and is
 * applied later (by the late call itself, a retry with the same Idempotency-Key, or {@link CreditRecovery}). So the
 * live balance never holds credit PostgreSQL did not record, and falls short of it only until the entry is applied.
 * Only an entry Redis refuses for good (over the balance limit) is taken out of PostgreSQL again.
 */
@ApplicationScoped
public class CreditService {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private final CreditScripts credit;
    private final TopUpLedger ledger;
    private final ApiConfig api;
    private final CreditConfig config;

    public CreditService(CreditScripts credit, TopUpLedger ledger, ApiConfig api, CreditConfig config) {
        this.credit = credit;
        this.ledger = ledger;
        this.api = api;
        this.config = config;
    }

    public record Account(String clientId, String name, long balance) {}

    /** The answer to a top-up; {@code replayed} when it is the answer of an earlier request with the same key. */
    public record TopUp(Account account, long added, boolean replayed) {}

    /**
     * @param idempotencyKey null, or the client's Idempotency-Key: a repeat within its lifetime adds nothing and gets
     *        the first answer
     * @throws CreditPendingException when the top-up is recorded but Redis did not take it in time
     * @throws BalanceLimitException when the balance would exceed its maximum; nothing was added
     */
    public TopUp increase(String clientId, String name, long amount, String actor, String idempotencyKey) {
        TopUpLedger.Key key = idempotencyKey == null ? null
                : new TopUpLedger.Key(IdempotencyKeys.requireValid(idempotencyKey), requestHash(name, amount),
                        api.idempotencyTtl());
        Object recorded = ledger.record(clientId, name, amount, actor, key);
        if (recorded instanceof TopUpLedger.Earlier earlier) {
            if (!earlier.requestHash().equals(key.requestHash())) {
                throw new IdempotencyKeyReusedException();
            }
            return switch (ledger.state(earlier.ledgerId())) {
                case REMOVED -> throw new BalanceLimitException(CreditScripts.MAX_BALANCE);
                case APPLIED -> new TopUp(new Account(clientId, earlier.name(), balance(clientId)), earlier.amount(), true);
                // Still pending: this retry applies it (at most once, like any other attempt).
                case PENDING -> new TopUp(apply(clientId, earlier.ledgerId(), earlier.name(), earlier.amount()),
                        earlier.amount(), true);
            };
        }
        TopUpLedger.Recorded entry = (TopUpLedger.Recorded) recorded;
        return new TopUp(apply(clientId, entry.ledgerId(), entry.name(), amount), amount, false);
    }

    private Account apply(String clientId, long ledgerId, String name, long amount) {
        CreditScripts.Addition addition;
        try {
            addition = credit.add(clientId, ledgerId, amount).await().atMost(config.redisWait());
        } catch (RuntimeException redisFailure) {
            // The call may still be queued on its connection and land later; it is then applied once, and the
            // recovery job records that (or applies the entry itself).
            Log.warnf(redisFailure, "Top-up %d of %s recorded but not yet in the live balance; it stays pending",
                    ledgerId, clientId);
            throw new CreditPendingException(redisFailure);
        }
        return switch (addition.outcome()) {
            case ADDED -> {
                markApplied(ledgerId);
                yield new Account(clientId, name, addition.balance());
            }
            case OVER_LIMIT -> {
                ledger.remove(ledgerId);
                throw new BalanceLimitException(CreditScripts.MAX_BALANCE);
            }
            case FROZEN -> throw new CreditPendingException(null);
        };
    }

    private void markApplied(long ledgerId) {
        try {
            ledger.markApplied(ledgerId);
        } catch (RuntimeException e) {
            // The credit is in the live balance; the recovery job finds the entry pending and records it then.
            Log.warnf(e, "Top-up %d applied but not yet marked in PostgreSQL", ledgerId);
        }
    }

    /** Whether the client has an account: credit was added to it at least once. */
    public boolean exists(String clientId) {
        return QuarkusTransaction.joiningExisting().call(() -> Credit.findById(clientId)) != null;
    }

    public Account get(String clientId) {
        return new Account(clientId, currentName(clientId), balance(clientId));
    }

    private long balance(String clientId) {
        return credit.balance(clientId).await().atMost(READ_TIMEOUT);
    }

    private String currentName(String clientId) {
        Credit account = QuarkusTransaction.joiningExisting().call(() -> Credit.findById(clientId));
        return account == null ? null : account.name;
    }

    /** What makes two top-ups "the same" for an Idempotency-Key: the amount and the name. */
    private static String requestHash(String name, long amount) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update((amount + "|" + (name == null ? "-" : "+" + name)).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
