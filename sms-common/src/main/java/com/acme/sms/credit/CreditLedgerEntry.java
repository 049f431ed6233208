package com.acme.sms.credit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * One change of a client's PostgreSQL balance: a top-up ({@code delta > 0}) or the messages one worker batch sent
 * for the client ({@code delta < 0}). The sum of a client's deltas is its {@link Credit#balance}.
 */
@Entity
@Table(name = "credit_ledger")
public class CreditLedgerEntry extends PanacheEntityBase {

    public static final String TOP_UP = "top_up";
    public static final String SENT = "sent";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "client_id", nullable = false)
    public String clientId;

    @Column(nullable = false)
    public long delta;

    @Column(nullable = false)
    public String reason;

    /** Who caused the change: the calling client or admin for a top-up, the worker for a sent batch. */
    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "created_at", nullable = false)
    public OffsetDateTime createdAt;
}
