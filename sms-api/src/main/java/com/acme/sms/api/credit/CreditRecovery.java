package com.acme.sms.api.credit;

import com.acme.sms.api.config.CreditConfig;
import com.acme.sms.credit.CreditScripts;
import io.agroal.api.AgroalDataSource;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Applies top-ups that PostgreSQL committed but that are not known to have reached the live balance (the request
 * timed out waiting for Redis, the API died after the commit, a rebuild froze credit meanwhile): through the same
 * at-most-once script, so an entry the late request applied after all is only recorded. Runs in one API process at a
 * time (a PostgreSQL advisory lock); also forgets expired Idempotency-Keys of top-ups.
 */
@ApplicationScoped
public class CreditRecovery {

    /** The advisory lock's key: any fixed number no other part of the system uses ("sms-cred"). */
    static final long LOCK = 0x736d732d63726564L;
    private static final int BATCH = 100;

    private final TopUpLedger ledger;
    private final CreditScripts credit;
    private final CreditConfig config;
    private final AgroalDataSource db;
    private ScheduledExecutorService timer;

    public CreditRecovery(TopUpLedger ledger, CreditScripts credit, CreditConfig config, AgroalDataSource db) {
        this.ledger = ledger;
        this.credit = credit;
        this.config = config;
        this.db = db;
    }

    void start(@Observes StartupEvent event) {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "credit-recovery");
            t.setDaemon(true);
            return t;
        });
        long every = config.recoveryInterval().toMillis();
        timer.scheduleWithFixedDelay(this::runSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    private void runSafely() {
        try {
            recover();
        } catch (RuntimeException e) {
            Log.warnf(e, "Credit recovery failed; next try in %s", config.recoveryInterval());
        }
    }

    /** One pass; returns how many pending top-ups it settled (applied or removed), -1 when another process runs. */
    public int recover() {
        try (Connection lockHolder = db.getConnection()) {
            if (!tryLock(lockHolder)) {
                return -1;
            }
            try {
                int settled = 0;
                List<TopUpLedger.Pending> pending = ledger.pending(config.recoveryAge(), BATCH);
                for (TopUpLedger.Pending p : pending) {
                    CreditScripts.Addition a = credit.add(p.clientId(), p.ledgerId(), p.amount())
                            .await().atMost(config.redisWait());
                    switch (a.outcome()) {
                        case ADDED -> ledger.markApplied(p.ledgerId());
                        case OVER_LIMIT -> ledger.remove(p.ledgerId());
                        case FROZEN -> {
                            return settled;
                        }
                    }
                    settled++;
                }
                if (settled > 0) {
                    Log.infof("Credit recovery settled %d pending top-ups", settled);
                }
                ledger.forgetExpiredKeys(1000);
                return settled;
            } finally {
                unlock(lockHolder);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("credit recovery could not use PostgreSQL", e);
        }
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            ps.setLong(1, LOCK);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static void unlock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            ps.setLong(1, LOCK);
            ps.execute();
        }
    }
}
