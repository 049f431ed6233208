-- Per client, day (UTC, of queued_at) and type: what happened to the messages, kept by the workers in the same
-- statement and transaction that writes the rows (MessageStore, ReceiptStore), so the counters can never disagree
-- with the rows. They outlive the rows: retention drops a day's partitions, not its counters (a few rows per client
-- and day). The usage report and the sent-log's totals read them; reconciliation holds credits_charged against the
-- ledger.
CREATE TABLE usage_daily (
    client_id        varchar(64) NOT NULL,
    day              date        NOT NULL,
    type             varchar(16) NOT NULL,
    -- messages a worker recorded (whatever became of them): sent, failed, or waiting for a retry
    accepted         bigint      NOT NULL DEFAULT 0,
    sent             bigint      NOT NULL DEFAULT 0,
    failed           bigint      NOT NULL DEFAULT 0,
    delivered        bigint      NOT NULL DEFAULT 0,
    undelivered      bigint      NOT NULL DEFAULT 0,
    -- credits of the messages sent (what the client paid) and of those failed (given back)
    credits_charged  bigint      NOT NULL DEFAULT 0,
    credits_refunded bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (client_id, day, type)
);

INSERT INTO usage_daily (client_id, day, type, accepted, sent, failed, delivered, undelivered, credits_charged,
                         credits_refunded)
SELECT m.client_id, (m.queued_at AT TIME ZONE 'UTC')::date, m.type, count(*),
       count(*) FILTER (WHERE m.status = 'sent'), count(*) FILTER (WHERE m.status = 'failed'),
       count(*) FILTER (WHERE o.outcome = 'delivered'), count(*) FILTER (WHERE o.outcome = 'undelivered'),
       coalesce(sum(m.credits) FILTER (WHERE m.status = 'sent'), 0),
       coalesce(sum(m.credits) FILTER (WHERE m.status = 'failed'), 0)
FROM messages m LEFT JOIN message_outcomes o ON o.message_id = m.id AND o.queued_at = m.queued_at
GROUP BY 1, 2, 3;
