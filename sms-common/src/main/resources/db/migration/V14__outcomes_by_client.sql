-- A client's delivered or undelivered messages, found from their outcomes. The sent-log's status=undelivered read a
-- client's sent rows newest first and probed each one's outcome by key: about 33 sent rows per undelivered one when
-- 3 % are undelivered, so a page of 100 looked up 3,300 outcomes and a client with 20 million messages got 79 to 116
-- such pages a second from a 2-CPU PostgreSQL (bench/run bigclient; aim 200 at p99 <= 50 ms). With the client and
-- the message's type on the outcome and an index in the log's order, a page of any outcome is an index range read of
-- its own rows, as cheap as the first page of the whole log.
--
-- The two columns are copied from the message when the outcome is written (the receipt statements read the message
-- row anyway) and never change, as neither does on the message.
ALTER TABLE message_outcomes ADD COLUMN client_id varchar(64), ADD COLUMN type varchar(16);

-- The existing outcomes get their message's client and type by rewriting each day's partition: a copy joined with
-- the same day's messages, swapped in for the old one, whose indexes are then built in one pass. An UPDATE of every
-- outcome instead wrote each row a second time and an entry into the primary key for it, and left the old versions
-- behind: over 10 minutes for 17.6 million outcomes on a 2-CPU machine, where this takes a fraction (README,
-- Operations). An outcome whose message is gone is not copied: every read starts from the message, so nothing
-- could read it.
DO $$
DECLARE
    p record;
    messages_part text;
BEGIN
    FOR p IN SELECT n.nspname AS home, c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE i.inhparent = 'message_outcomes'::regclass LOOP
        -- The same day's messages partition, when it is named as sms_create_day_partitions names them (it is): a
        -- join with it reads that day only. Otherwise the whole table, which is right, only slower.
        messages_part := CASE WHEN to_regclass(format('%I.%I', p.home, replace(p.name, 'message_outcomes', 'messages')))
                                   IS NOT NULL
                              THEN format('%I.%I', p.home, replace(p.name, 'message_outcomes', 'messages'))
                              ELSE 'messages' END;
        EXECUTE format('CREATE TABLE %I.%I (LIKE message_outcomes INCLUDING DEFAULTS)', p.home, p.name || '_v14');
        -- NOT NULL from the start: setting it on the parent afterwards then needs no scan of the rows.
        EXECUTE format('ALTER TABLE %I.%I ALTER COLUMN client_id SET NOT NULL, ALTER COLUMN type SET NOT NULL',
                       p.home, p.name || '_v14');
        EXECUTE format('INSERT INTO %I.%I (message_id, queued_at, outcome, delivered_at, error_code, error_message,'
                       ' applied_at, client_id, type)'
                       ' SELECT o.message_id, o.queued_at, o.outcome, o.delivered_at, o.error_code, o.error_message,'
                       ' o.applied_at, m.client_id, m.type'
                       ' FROM %I.%I o JOIN %s m ON m.id = o.message_id AND m.queued_at = o.queued_at',
                       p.home, p.name || '_v14', p.home, p.name, messages_part);
        EXECUTE format('ALTER TABLE message_outcomes DETACH PARTITION %I.%I', p.home, p.name);
        EXECUTE format('DROP TABLE %I.%I', p.home, p.name);
        EXECUTE format('ALTER TABLE %I.%I RENAME TO %I', p.home, p.name || '_v14', p.name);
        -- Attaching builds the partition's primary key from the parent's definition.
        EXECUTE format('ALTER TABLE message_outcomes ATTACH PARTITION %I.%I %s', p.home, p.name, p.bound);
    END LOOP;
END
$$;

ALTER TABLE message_outcomes ALTER COLUMN client_id SET NOT NULL, ALTER COLUMN type SET NOT NULL;

-- The type is included, not a key column: a page without a type filter reads one range in the log's order, and one
-- with a type filter reads the same range and skips the other type's entries without visiting the table.
CREATE INDEX message_outcomes_client_outcome ON message_outcomes (client_id, outcome, queued_at DESC, message_id DESC)
    INCLUDE (type);

-- The rewritten partitions have no statistics yet: without them the planner guesses until autovacuum gets to each
-- one (bench/run bigclient, right after the upgrade: reads of the log up to a quarter slower than once it had). A
-- sample per partition: seconds. Their visibility maps are empty too, which only a VACUUM sets, and VACUUM cannot
-- run in a migration's transaction: the README's upgrade note says to run one.
ANALYZE message_outcomes;
