-- What the provider said about a message after taking it: its id there (receipts come back with it), how many
-- SMS parts it took, when the handset got it (the receipt's done date) and the provider's error code.
-- Adding nullable columns and a column with a constant default rewrites no rows.
ALTER TABLE messages
    ADD COLUMN segments            smallint    NOT NULL DEFAULT 1,
    ADD COLUMN provider_message_id varchar(64),
    ADD COLUMN delivered_at        timestamptz,
    ADD COLUMN error_code          varchar(32);

-- Receipts find their message by the provider's id. Only messages the provider took have one. Not CONCURRENTLY,
-- for the reason V2 gives: workers hold their batches while it builds.
CREATE INDEX messages_provider_message_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

-- The parts of a message sent in several (concatenated) parts: each has its own id and receipt, and the message
-- is delivered once every part is, undelivered once any part is not. A single-part message has no rows here.
CREATE TABLE message_parts (
    provider_message_id varchar(64) PRIMARY KEY,
    message_id          uuid        NOT NULL,
    part                smallint    NOT NULL,
    state               varchar(8),
    done_at             timestamptz,
    error_code          varchar(32)
);
CREATE INDEX message_parts_message ON message_parts (message_id);
