package com.acme.sms.live;

/** What the dashboard counts per second, by message type (see {@link LiveCounters}). */
public enum LiveEvent {
    ACCEPTED, SENT, DELIVERED, UNDELIVERED, FAILED, REFUNDED, SLA_BREACHES;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
