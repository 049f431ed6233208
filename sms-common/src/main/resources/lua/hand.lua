#!lua flags=allow-oom
-- Record "handed to the provider" for the entries this consumer still owns, right before it sends them. A consumer
-- that takes an entry over later (this one stalled or died) reads the record before it sends (lua/handed_read.lua)
-- and does not send again; an entry already taken over from this consumer is not
-- marked, and this consumer must not send it. Ownership is checked here, in one script with the mark, so no other
-- consumer can take the entry over between the check and the record.
--
-- KEYS[1]  stream key                            sms:<type>
-- KEYS[2]  handed records (hash: id -> attempt)  sms:handed:<type>
-- ARGV[1]  consumer group
-- ARGV[2]  this consumer's name
-- then quadruples: entry id, message id, attempt, expiry (epoch millis by Redis' clock; 0 = no expiry, or not
--          to be judged here)
-- Returns { Redis' time in epoch millis, then the message ids marked, in order }: those whose entries this
-- consumer still owns and that have not expired by that time (the caller judges expiry with the same time and
-- the same rule, expiry > 0 and now >= expiry, so it sends exactly the ones marked).

-- #include owned_entries
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local stream_type = redis.call('TYPE', KEYS[1]).ok
if stream_type ~= 'stream' or #ARGV < 6 then
  return { now_ms }
end
local owned, bad = owned_entries(3, 4)
if owned == nil then
  return redis.error_reply('ERR hand: bad entry id ' .. tostring(bad))
end
-- No XCLAIM to reset the idle time here: the batch heartbeat (lua/heartbeat.lua) keeps a live batch, and the
-- ownership check above is what makes the mark safe. (It cost a third of this script's time per batch.)
local function markable(i)
  local expiry = tonumber(ARGV[i + 3])
  return owned[ARGV[i]] and not (expiry ~= nil and expiry > 0 and now_ms >= expiry)
end
local result = { now_ms }
for i = 3, #ARGV, 4 do
  if markable(i) then
    result[#result + 1] = ARGV[i + 1]
  end
end
for i = 3, #ARGV, 4000 do
  local args = { KEYS[2] }
  for j = i, math.min(i + 3999, #ARGV), 4 do
    if markable(j) then
      args[#args + 1] = ARGV[j + 1]
      args[#args + 1] = ARGV[j + 2]
    end
  end
  if #args > 1 then
    redis.call('HSET', unpack(args))
  end
end
return result
