-- Status webhook events cost less to write and to deliver (bench/run webhooks: every event was inserted into three
-- indexes, updated into three more when a dispatcher took it, then deleted; delivery kept up with 5,600 events/s of
-- the 20,000 aimed at, and sending fell by half).
--
-- - The primary key is the message and the status: ids in time order (UUIDv7), so inserts touch the end of the
--   index rather than random pages as the hash-made event_id did. event_id stays, derived as before, unindexed:
--   the receiver's dedupe key, and what the failures list names.
-- - One index for delivery: a client's events not given up, by due time. A dispatcher takes them by locking them
--   (FOR UPDATE SKIP LOCKED) for the length of the request instead of moving their due time, so a delivered event
--   is inserted once and deleted once, nothing more.
-- - The failures list has its own partial index: empty while receivers answer.
ALTER TABLE webhook_events DROP CONSTRAINT webhook_events_pkey;
ALTER TABLE webhook_events ADD PRIMARY KEY (message_id, status);
DROP INDEX webhook_events_due;
DROP INDEX webhook_events_client;
CREATE INDEX webhook_events_due ON webhook_events (client_id, due_at) WHERE failed_at IS NULL;
CREATE INDEX webhook_events_failed ON webhook_events (client_id, occurred_at, event_id) WHERE failed_at IS NOT NULL;
