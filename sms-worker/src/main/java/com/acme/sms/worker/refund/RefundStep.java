package com.acme.sms.worker.refund;

import com.acme.sms.credit.CreditScripts;
import com.acme.sms.worker.config.Timeouts;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The refund step: gives back the credit of failed messages in Redis (lua/refund.lua), at most once per message
 * id however often the step is repeated, so it is safe to run again after a crash.
 */
@ApplicationScoped
public class RefundStep {

    private final CreditScripts credit;

    public RefundStep(CreditScripts credit) {
        this.credit = credit;
    }

    /** Refunds the failed messages, grouped by client; returns how many credits were given back now. */
    public int refund(Map<String, List<UUID>> failedByClient) {
        int refunded = 0;
        for (Map.Entry<String, List<UUID>> e : failedByClient.entrySet()) {
            refunded += credit.refund(e.getKey(), e.getValue()).await().atMost(Timeouts.REDIS);
        }
        return refunded;
    }
}
