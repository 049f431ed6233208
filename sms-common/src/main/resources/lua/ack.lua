#!lua
-- Finish processed entries in one step: schedule the retries among them, then acknowledge and delete them all,
-- so the stream holds only work still to do and its memory stays bounded. One script, so an entry is never
-- acknowledged without its retry being scheduled. (Redis 8.2 has XACKDEL; this keeps Redis 7 supported.)
--
-- KEYS[1]   stream key
-- KEYS[2]   retry schedule (sorted set) of the stream's type  sms:retry:<type>
-- ARGV[1]   consumer group
-- ARGV[2]   number of entry ids k
-- ARGV[3 .. 2+k]  entry ids
-- ARGV[3+k ..]    pairs: due time (epoch millis), the retry's fields as JSON
-- Returns the number of entries that were still pending (0 for one another consumer already finished).

local stream_type = redis.call('TYPE', KEYS[1]).ok
local retry_type = redis.call('TYPE', KEYS[2]).ok
if retry_type ~= 'zset' and retry_type ~= 'none' then
  return redis.error_reply('WRONGTYPE retry key ' .. KEYS[2] .. ' holds a ' .. retry_type)
end
local k = tonumber(ARGV[2])
if k == nil or k < 0 or (#ARGV - 2 - k) % 2 ~= 0 then
  return redis.error_reply('ERR ack: bad arguments')
end

for i = 3 + k, #ARGV, 2 do
  redis.call('ZADD', KEYS[2], ARGV[i], ARGV[i + 1])
end

if stream_type ~= 'stream' or k == 0 then
  return 0
end
local ids = {}
for i = 3, 2 + k do
  ids[#ids + 1] = ARGV[i]
end
local acked = redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
redis.call('XDEL', KEYS[1], unpack(ids))
return acked
