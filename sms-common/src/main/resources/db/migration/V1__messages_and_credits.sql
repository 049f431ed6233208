-- Clients' credit accounts: credit added minus messages sent. Redis holds the live balance.
CREATE TABLE credits (
    client_id  varchar(64)  PRIMARY KEY,
    name       varchar(200),
    balance    bigint       NOT NULL DEFAULT 0,
    created_at timestamptz  NOT NULL DEFAULT now(),
    updated_at timestamptz  NOT NULL DEFAULT now()
);

-- Every change of a PostgreSQL balance: top-ups (positive) and sent batches (negative, one row per client per
-- worker batch, so the ledger grows with batches, not with messages).
CREATE TABLE credit_ledger (
    id         bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id  varchar(64)  NOT NULL,
    delta      bigint       NOT NULL,
    reason     varchar(32)  NOT NULL,
    created_by varchar(128),
    created_at timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_client_created ON credit_ledger (client_id, created_at);

-- One row per message, written by a worker once the message reached a final state.
CREATE TABLE messages (
    id            uuid         PRIMARY KEY,
    client_id     varchar(64)  NOT NULL,
    type          varchar(16)  NOT NULL,
    to_number     varchar(16)  NOT NULL,
    from_number   varchar(16)  NOT NULL,
    content       text         NOT NULL,
    status        varchar(16)  NOT NULL,
    queued_at     timestamptz  NOT NULL,
    updated_at    timestamptz  NOT NULL,
    error_message text,
    attempts      integer      NOT NULL DEFAULT 1
);
-- The sent-log reads one client's messages newest first; every filter narrows this range.
CREATE INDEX messages_client_queued ON messages (client_id, queued_at DESC, id DESC);
