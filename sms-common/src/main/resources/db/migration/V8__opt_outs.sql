-- Opt-outs: numbers a client must not send to. PostgreSQL holds them durably; each client's set in Redis
-- (sms:optout:{client}) is the copy accept.lua checks, loaded from here when absent (see OptOuts).
CREATE TABLE opt_outs (
    client_id  varchar(64) NOT NULL,
    number     varchar(16) NOT NULL,
    -- api: the client added it; inbound: the number texted a stop keyword to one of the client's senders
    source     varchar(8)  NOT NULL,
    -- with source inbound: the keyword as received (upper-cased) and the sender it was sent to
    keyword    varchar(16),
    sender     varchar(16),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, number)
);

-- Which clients have sent from which sender (a number or an alphanumeric id), so that a STOP texted to a sender
-- opts the number out of every client that uses it. Written by the workers as they persist messages.
CREATE TABLE client_senders (
    sender        varchar(16) NOT NULL,
    client_id     varchar(64) NOT NULL,
    first_used_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sender, client_id)
);

INSERT INTO client_senders (sender, client_id, first_used_at)
SELECT from_number, client_id, min(queued_at) FROM messages GROUP BY from_number, client_id;
