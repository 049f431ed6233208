#!lua flags=allow-oom
-- Ends receipts that are applied to PostgreSQL (or kept as unmatched): remembers the unmatched ones, then
-- acknowledges and deletes the stream entries, in one step, so a crash before it leaves them pending and they are
-- applied again (applying is idempotent), and a crash after it loses nothing.
-- KEYS[1] the stream, KEYS[2] the unmatched set
-- ARGV[1] the group, ARGV[2] the number u of unmatched receipts, then u pairs (score, member), then entry ids
local u = tonumber(ARGV[2])
local i = 3
for _ = 1, u do
  redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
local acked = 0
for j = i, #ARGV do
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], ARGV[j])
  redis.call('XDEL', KEYS[1], ARGV[j])
end
return acked
