-- messages, message_outcomes and message_parts partitioned by day of queued_at (UTC), so that a day of data is
-- dropped as a partition, never deleted row by row, and a read bounded in time reads only its days (ADR 0017).
--
-- A row's queued_at is the time in its UUIDv7 id, to the millisecond (the API mints the id when it accepts the
-- message; a scheduled message's id carries the time it is due). So GET /api/messages/{id} knows the one
-- partition to read, and the outcome and parts of a message are in the partitions of the same day as the message.
--
-- The old tables are copied into the new ones, in this migration's transaction. On a large database that takes
-- as long as writing the rows again (about 40 s per 10 million rows here); the workers hold their batches and
-- retry meanwhile, the API keeps accepting into Redis, as for V2. Then the old tables are dropped.

-- The time in a UUIDv7 (its first 48 bits, milliseconds since 1970); NULL for ids of other versions.
CREATE FUNCTION sms_uuid_v7_time(id uuid) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN substr(id::text, 15, 1) = '7'
                THEN timestamptz 'epoch'
                     + ('x' || lpad(substr(replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint
                       * interval '1 ms' END
$$;

-- Creates the partitions of each day from first_day to last_day that do not exist yet, for the three tables;
-- returns how many days it created. Used here and by the API's partition maintenance (PartitionMaintenance).
CREATE FUNCTION sms_create_day_partitions(first_day date, last_day date) RETURNS integer
    LANGUAGE plpgsql AS $$
DECLARE
    d date := first_day;
    created integer := 0;
    suffix text;
    -- The schema of the messages table the caller sees: partitions go beside it, whatever else is on the path.
    home text := (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'messages'::regclass);
    t text;
BEGIN
    WHILE d <= last_day LOOP
        suffix := to_char(d, 'YYYYMMDD');
        IF to_regclass(format('%I.%I', home, 'messages_p' || suffix)) IS NULL THEN
            FOREACH t IN ARRAY ARRAY['messages', 'message_outcomes', 'message_parts'] LOOP
                EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
                               home, t || '_p' || suffix, home, t,
                               d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
            END LOOP;
            created := created + 1;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN created;
END
$$;

ALTER TABLE messages RENAME TO messages_v9;
ALTER TABLE message_outcomes RENAME TO message_outcomes_v9;
ALTER TABLE message_parts RENAME TO message_parts_v9;
ALTER INDEX messages_pkey RENAME TO messages_v9_pkey;
ALTER INDEX messages_client_queued_covering RENAME TO messages_v9_client_queued_covering;
ALTER INDEX messages_provider_message_id RENAME TO messages_v9_provider_message_id;
ALTER INDEX message_outcomes_pkey RENAME TO message_outcomes_v9_pkey;
ALTER INDEX message_parts_pkey RENAME TO message_parts_v9_pkey;
ALTER INDEX message_parts_message RENAME TO message_parts_v9_message;

-- Same columns as before. A unique key on a partitioned table must hold the partition key, so the primary key is
-- (id, queued_at): as queued_at follows from the id, it is as unique as the id alone.
CREATE TABLE messages (
    id                  uuid         NOT NULL,
    client_id           varchar(64)  NOT NULL,
    type                varchar(16)  NOT NULL,
    to_number           varchar(16)  NOT NULL,
    from_number         varchar(16)  NOT NULL,
    content             text         NOT NULL,
    status              varchar(16)  NOT NULL,
    queued_at           timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL,
    error_message       text,
    attempts            integer      NOT NULL DEFAULT 1,
    segments            smallint     NOT NULL DEFAULT 1,
    provider_message_id varchar(64),
    error_code          varchar(32),
    sent_at             timestamptz,
    credits             smallint     NOT NULL DEFAULT 1,
    PRIMARY KEY (id, queued_at)
) PARTITION BY RANGE (queued_at);
CREATE INDEX messages_client_queued_covering ON messages (client_id, queued_at DESC, id DESC) INCLUDE (status, type);
CREATE INDEX messages_provider_message_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE TABLE message_outcomes (
    message_id    uuid         NOT NULL,
    queued_at     timestamptz  NOT NULL,
    outcome       varchar(16)  NOT NULL,
    delivered_at  timestamptz,
    error_code    varchar(32),
    error_message text,
    applied_at    timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, queued_at)
) PARTITION BY RANGE (queued_at);

CREATE TABLE message_parts (
    provider_message_id varchar(64) NOT NULL,
    message_id          uuid        NOT NULL,
    queued_at           timestamptz NOT NULL,
    part                smallint    NOT NULL,
    state               varchar(8),
    done_at             timestamptz,
    error_code          varchar(32),
    PRIMARY KEY (provider_message_id, queued_at)
) PARTITION BY RANGE (queued_at);
CREATE INDEX message_parts_message ON message_parts (message_id, queued_at);

-- Rows outside every day's partition: older than the oldest day kept, or written while no partition was made
-- ahead (the API makes them days ahead, so only if no API ran for that long). A write never fails for want of a
-- partition; PartitionMaintenance reports the rows found here and removes them with the retention.
CREATE TABLE messages_default PARTITION OF messages DEFAULT;
CREATE TABLE message_outcomes_default PARTITION OF message_outcomes DEFAULT;
CREATE TABLE message_parts_default PARTITION OF message_parts DEFAULT;

-- A partition for each day that holds data (at most a year's, at the default retention a quarter's) and the
-- days ahead; the maintenance keeps making them from now on.
CREATE TEMPORARY TABLE v10_rows AS
SELECT m.*, coalesce(sms_uuid_v7_time(m.id), m.queued_at) AS day_time FROM messages_v9 m;

SELECT count(sms_create_day_partitions(d, d))
FROM (SELECT DISTINCT (day_time AT TIME ZONE 'UTC')::date AS d FROM v10_rows) days;
SELECT sms_create_day_partitions((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 14);

INSERT INTO messages (id, client_id, type, to_number, from_number, content, status, queued_at, updated_at,
                      error_message, attempts, segments, provider_message_id, error_code, sent_at, credits)
SELECT id, client_id, type, to_number, from_number, content, status, day_time, updated_at,
       error_message, attempts, segments, provider_message_id, error_code, sent_at, credits
FROM v10_rows;

INSERT INTO message_outcomes (message_id, queued_at, outcome, delivered_at, error_code, error_message, applied_at)
SELECT o.message_id, m.day_time, o.outcome, o.delivered_at, o.error_code, o.error_message, o.applied_at
FROM message_outcomes_v9 o JOIN v10_rows m ON m.id = o.message_id;

INSERT INTO message_parts (provider_message_id, message_id, queued_at, part, state, done_at, error_code)
SELECT p.provider_message_id, p.message_id, m.day_time, p.part, p.state, p.done_at, p.error_code
FROM message_parts_v9 p JOIN v10_rows m ON m.id = p.message_id;

DROP TABLE messages_v9, message_outcomes_v9, message_parts_v9, v10_rows;
