package com.acme.sms.credit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * A client's credit account in PostgreSQL: credit added minus messages sent. Redis holds the live, spendable
 * balance (which also excludes messages still queued); the two agree once the queues are drained.
 */
@Entity
@Table(name = "credits")
public class Credit extends PanacheEntityBase {

    @Id
    @Column(name = "client_id")
    public String clientId;

    public String name;

    @Column(nullable = false)
    public long balance;

    @Column(name = "updated_at", nullable = false)
    public OffsetDateTime updatedAt;
}
