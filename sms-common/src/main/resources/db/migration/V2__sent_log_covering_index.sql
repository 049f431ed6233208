-- The sent-log filters a client's messages by status and type and counts them. With status and type inside the
-- index, both the count and the search for a page's ids are index-only scans: at 10 million rows a deep page or
-- a rare status no longer reads thousands of heap rows.
--
-- Not CONCURRENTLY: Flyway keeps a transaction open on a second connection while it migrates, and a concurrent
-- index build waits for every older transaction, so it would wait forever. A plain build blocks writes to
-- messages while it runs (about a minute per 10 million rows); only workers write there, and they hold their
-- batch and retry, while the API keeps accepting messages into Redis. Nothing is lost, delivery pauses.
CREATE INDEX IF NOT EXISTS messages_client_queued_covering
    ON messages (client_id, queued_at DESC, id DESC) INCLUDE (status, type);
DROP INDEX IF EXISTS messages_client_queued;
