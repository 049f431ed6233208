#!lua
-- Acknowledge processed entries and delete them, in one step, so the stream holds only work still to do and
-- its memory stays bounded. (Redis 8.2 has XACKDEL; this keeps Redis 7 supported.)
--
-- KEYS[1]   stream key
-- ARGV[1]   consumer group
-- ARGV[2..] entry ids
-- Returns the number of entries that were still pending (0 for an entry another consumer already finished).

local stream_type = redis.call('TYPE', KEYS[1]).ok
if stream_type ~= 'stream' then
  return 0
end
local ids = {}
for i = 2, #ARGV do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  return 0
end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
return acked
