-- Status webhooks: a client's endpoint, and the events waiting to be POSTed to it (an outbox).
--
-- Each client has at most one webhook. The secret signs every request (HMAC-SHA256) and so must be readable by the
-- workers: it is kept as given, never shown by the API again (docs/security.md).
CREATE TABLE webhooks (
    client_id  varchar(64) PRIMARY KEY,
    url        text        NOT NULL,
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per status change of a message of a client with a webhook, written by the workers in the same statement
-- as the change itself (MessageStore, ReceiptStore), so an event exists exactly when its change was committed:
-- none lost, none for a change rolled back. The id is derived from the message and the status, so writing the same
-- change twice keeps one event, and a receiver deduplicates by it. Delivered events are deleted; an event that
-- could not be delivered for `sms.webhooks.give-up-after` (24 h) since `since` stays with failed_at set, for the
-- client to read and re-trigger (which starts a new window).
CREATE TABLE webhook_events (
    event_id      uuid         PRIMARY KEY,
    client_id     varchar(64)  NOT NULL,
    message_id    uuid         NOT NULL,
    status        varchar(16)  NOT NULL,
    type          varchar(16)  NOT NULL,
    to_number     varchar(32)  NOT NULL,
    segments      int          NOT NULL,
    error_code    varchar(32),
    error_message text,
    occurred_at   timestamptz  NOT NULL,
    -- orders a message's events: sent and failed 1, delivered and undelivered 2 (a final status never goes back)
    sequence      int          NOT NULL,
    attempts      int          NOT NULL DEFAULT 0,
    -- when the next try may start; a dispatcher that takes the event moves it ahead by its lease
    due_at        timestamptz  NOT NULL DEFAULT now(),
    -- start of the window in which delivery is tried: written, or re-triggered from the failures list
    since         timestamptz  NOT NULL DEFAULT now(),
    last_error    text,
    failed_at     timestamptz
);

-- The dispatchers' question: which clients have events due now (failed ones are left out of the index).
CREATE INDEX webhook_events_due ON webhook_events (due_at, client_id) WHERE failed_at IS NULL;
-- One client's due events, in order, and its failures list.
CREATE INDEX webhook_events_client ON webhook_events (client_id, occurred_at, event_id);
