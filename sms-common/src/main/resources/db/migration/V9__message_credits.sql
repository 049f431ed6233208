-- Per-segment pricing: the credits a message was charged at acceptance (one per SMS part, or one per message with
-- sms.billing.per-segment=false). Sent credits, refunds and reconciliation count this, not rows. A constant
-- default is only a catalogue change on PostgreSQL 11 and later: no rewrite of a large table. Rows from before
-- were charged one credit each, which the default says.
ALTER TABLE messages ADD COLUMN credits smallint NOT NULL DEFAULT 1;
