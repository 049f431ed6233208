package com.acme.sms.worker.receipt;

import java.util.List;

/**
 * Where providers put the receipts they get. When {@link #accept} returns, the receipts are durable (in a Redis
 * stream that the workers apply to PostgreSQL in batches), so a provider acknowledges a receipt to its carrier only
 * after this returned: a worker that dies loses no receipt, the carrier sends it again.
 */
public interface ReceiptSink {

    /** Stores the receipts durably; throws when it could not, and then the carrier must be asked to resend. */
    void accept(List<Receipt> receipts);
}
