package com.acme.sms.smsc;

/**
 * Counters since the simulator started.
 *
 * @param submits submit_sm received, accepted or not
 * @param parts submit_sm accepted (each a part with its own id and receipt)
 * @param messages whole messages: single parts, and concatenated ones once all parts arrived
 */
public record SmscStats(long binds, long bindsRefused, long unbinds, int sessionsBound, long submits, long parts,
        long messages, long throttled, long rejected, long receiptsSent, long receiptsAcked, long receiptsFailed,
        long drops) {

    public String toJson() {
        return "{\"binds\":" + binds + ",\"binds_refused\":" + bindsRefused + ",\"unbinds\":" + unbinds
                + ",\"sessions_bound\":" + sessionsBound + ",\"submits\":" + submits + ",\"parts\":" + parts
                + ",\"messages\":" + messages + ",\"throttled\":" + throttled + ",\"rejected\":" + rejected
                + ",\"receipts_sent\":" + receiptsSent + ",\"receipts_acked\":" + receiptsAcked
                + ",\"receipts_failed\":" + receiptsFailed + ",\"drops\":" + drops + "}";
    }
}
