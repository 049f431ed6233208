-- The sent-log filters a client's messages by status and type and counts them. With status and type inside the
-- index, both the count and the search for a page's ids are index-only scans: at 10 million rows a deep page or
-- a rare status no longer reads thousands of heap rows. CONCURRENTLY, so a running system keeps writing while
-- the index builds (Flyway runs these statements outside a transaction).
CREATE INDEX CONCURRENTLY IF NOT EXISTS messages_client_queued_covering
    ON messages (client_id, queued_at DESC, id DESC) INCLUDE (status, type);
DROP INDEX CONCURRENTLY IF EXISTS messages_client_queued;
