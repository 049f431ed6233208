-- When a top-up reached the live balance (Redis). NULL: committed in PostgreSQL but not known to be applied; the
-- recovery job applies such entries (credit_add.lua adds each ledger entry at most once). Only top-ups use it.
ALTER TABLE credit_ledger ADD COLUMN applied_at timestamptz;
-- Before this migration a top-up that did not reach Redis was undone, so every remaining one was applied.
UPDATE credit_ledger SET applied_at = created_at WHERE reason = 'top_up';
CREATE INDEX credit_ledger_pending_top_ups ON credit_ledger (id) WHERE applied_at IS NULL AND reason = 'top_up';

-- Top-ups sent with an Idempotency-Key: a retry within the key's lifetime is answered from here and adds nothing;
-- the same key with another body is refused. Written in the transaction that writes the ledger entry.
CREATE TABLE credit_requests (
    client_id       varchar(64)  NOT NULL,
    idempotency_key varchar(128) NOT NULL,
    request_hash    varchar(64)  NOT NULL,
    ledger_id       bigint,
    name            varchar(200),
    amount          bigint       NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    expires_at      timestamptz  NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);
CREATE INDEX credit_requests_expires ON credit_requests (expires_at);
