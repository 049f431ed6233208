package com.acme.sms.worker.refund;

import com.acme.sms.credit.CreditScripts;
import com.acme.sms.worker.config.Timeouts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The refund step: gives back the credit of failed messages in Redis (lua/refund.lua), at most once per message
 * id however often the step is repeated, so it is safe to run again after a crash.
 *
 * <p>Client by client: a client whose balance key is corrupt gets its refunds parked (lua/refund_park.lua) and
 * counted in {@code sms_refunds_parked_total}, so it does not hold back the batch and the other clients in it. Any
 * other failure (Redis away) fails the step, and the batch stays pending as before.
 */
@ApplicationScoped
public class RefundStep {

    private final CreditScripts credit;
    private final Counter parked;

    public RefundStep(CreditScripts credit, MeterRegistry registry) {
        this.credit = credit;
        this.parked = Counter.builder("sms.refunds.parked")
                .description("Refunds parked in sms:refunds:failed because the client's balance key is corrupt")
                .register(registry);
    }

    /** Refunds the failed messages what they were charged, grouped by client; returns the credits given back now. */
    public int refund(Map<String, List<CreditScripts.Refund>> failedByClient) {
        int refunded = 0;
        for (Map.Entry<String, List<CreditScripts.Refund>> e : failedByClient.entrySet()) {
            try {
                refunded += credit.refundCharged(e.getKey(), e.getValue()).await().atMost(Timeouts.REDIS);
            } catch (RuntimeException failure) {
                if (!CreditScripts.isCorruptBalance(failure, e.getKey())) {
                    throw failure;
                }
                List<UUID> ids = e.getValue().stream().map(CreditScripts.Refund::messageId).toList();
                int n = credit.park(e.getKey(), ids, String.valueOf(failure.getMessage()))
                        .await().atMost(Timeouts.REDIS);
                parked.increment(n);
                Log.errorf("Client %s: balance key is corrupt (%s); %d refunds parked in sms:refunds:failed until "
                        + "the balance is rebuilt", e.getKey(), failure.getMessage(), n);
            }
        }
        return refunded;
    }
}
