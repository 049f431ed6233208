#!lua flags=allow-oom
-- Record "handed to the provider" for the entries this consumer still owns, right before it sends them, and refresh
-- their idle time. A consumer that takes an entry over later (this one stalled or died) reads the record before it
-- sends (lua/handed_read.lua) and does not send again; an entry already taken over from this consumer is not
-- marked, and this consumer must not send it. Ownership is checked here, in one script with the mark, so no other
-- consumer can take the entry over between the check and the record.
--
-- KEYS[1]  stream key                            sms:<type>
-- KEYS[2]  handed records (hash: id -> attempt)  sms:handed:<type>
-- ARGV[1]  consumer group
-- ARGV[2]  this consumer's name
-- then triples: entry id, message id, attempt
-- Returns the message ids marked (those whose entries this consumer still owns), in order.

local stream_type = redis.call('TYPE', KEYS[1]).ok
if stream_type ~= 'stream' then
  return {}
end
local marked = {}
for i = 3, #ARGV, 3 do
  local entry, id, attempt = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], entry, entry, 1)
  if #pending == 1 and pending[1][2] == ARGV[2] then
    -- JUSTID: the idle time starts again, the delivery count does not grow.
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, entry, 'JUSTID')
    redis.call('HSET', KEYS[2], id, attempt)
    marked[#marked + 1] = id
  end
end
return marked
