-- A client's delivered or undelivered messages, found from their outcomes. The sent-log's status=undelivered read a
-- client's sent rows newest first and probed each one's outcome by key: about 33 sent rows per undelivered one when
-- 3 % are undelivered, so a page of 100 looked up 3,300 outcomes and a client with 20 million messages got 82 to 116
-- such pages a second from a 2-CPU PostgreSQL (bench/run bigclient; aim 200 at p99 <= 50 ms). With the client and
-- the message's type on the outcome and an index in the log's order, a page of any outcome is an index range read of
-- its own rows, as cheap as the first page of the whole log.
--
-- The two columns are copied from the message when the outcome is written (the receipt statements read the message
-- row anyway) and never change, as neither does on the message.
ALTER TABLE message_outcomes ADD COLUMN client_id varchar(64), ADD COLUMN type varchar(16);

UPDATE message_outcomes o SET client_id = m.client_id, type = m.type
FROM messages m WHERE m.id = o.message_id AND m.queued_at = o.queued_at;

-- An outcome whose message is gone could be read by nothing (every read starts from the message); none is written
-- without one, but a database repaired by hand may hold some.
DELETE FROM message_outcomes WHERE client_id IS NULL;

ALTER TABLE message_outcomes ALTER COLUMN client_id SET NOT NULL, ALTER COLUMN type SET NOT NULL;

-- The type is included, not a key column: a page without a type filter reads one range in the log's order, and one
-- with a type filter reads the same range and skips the other type's entries without visiting the table.
CREATE INDEX message_outcomes_client_outcome ON message_outcomes (client_id, outcome, queued_at DESC, message_id DESC)
    INCLUDE (type);
