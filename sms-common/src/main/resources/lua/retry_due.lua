#!lua flags=allow-oom
-- allow-oom: moving a retry from the schedule to the stream frees about what it adds; refused at maxmemory,
-- retries would pile up while the streams drain.
-- Move retries whose time has come from the schedule back into the stream, where any worker of the type takes
-- them. Atomic, so several workers polling at once never move one retry twice.
--
-- KEYS[1] retry schedule (sorted set: score = due time in epoch millis, member = the entry's fields as JSON)
-- KEYS[2] stream key
-- KEYS[3] rebuild freeze  sms:credit:rebuild (while it is set nothing moves: a rebuild counts the retries)
-- KEYS[4] (optional) index of scheduled messages  sms:scheduled:<type>  (id -> JSON; see accept.lua)
-- KEYS[5] (with KEYS[4]) scheduled messages queued in the last hour  sms:scheduled:<type>:queued  (id -> when), so
--         that a cancel that comes too late is told "already queued" rather than "unknown"
-- The schedule holds retries and scheduled sends (an entry with field s): both wait for their time the same way.
-- ARGV[1] most retries to move in one call
-- Returns the number moved.

local retry_type = redis.call('TYPE', KEYS[1]).ok
if retry_type == 'none' or redis.call('EXISTS', KEYS[3]) == 1 then
  return 0
end
if retry_type ~= 'zset' then
  return redis.error_reply('WRONGTYPE retry key ' .. KEYS[1] .. ' holds a ' .. retry_type)
end
local stream_type = redis.call('TYPE', KEYS[2]).ok
if stream_type ~= 'stream' and stream_type ~= 'none' then
  return redis.error_reply('WRONGTYPE queue key ' .. KEYS[2] .. ' holds a ' .. stream_type)
end
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[1]))
-- Decode everything first: a member that is not valid JSON must not stop the script after some writes.
local entries = {}
local scheduled_ids = {}
for i, member in ipairs(due) do
  local ok, fields = pcall(cjson.decode, member)
  if not ok or type(fields) ~= 'table' then
    fields = { garbage = member, reason = 'undecodable retry' }
  end
  -- A scheduled send's first entry into its queue (a retry of one carries an attempt, a): it is queued now, for
  -- the latency measured from q.
  local scheduled = fields.s ~= nil and fields.a == nil
  if scheduled then
    fields.q = tostring(now_ms)
  end
  local flat = {}
  for name, value in pairs(fields) do
    flat[#flat + 1] = name
    flat[#flat + 1] = tostring(value)
  end
  entries[i] = flat
  scheduled_ids[i] = scheduled and fields.id or false
end
for i, member in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', unpack(entries[i]))
  redis.call('ZREM', KEYS[1], member)
  if scheduled_ids[i] and KEYS[4] then
    redis.call('HDEL', KEYS[4], scheduled_ids[i])
    redis.call('ZADD', KEYS[5], now_ms, scheduled_ids[i])
  end
end
if KEYS[5] and #due > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now_ms - 3600000)
end
return #due
