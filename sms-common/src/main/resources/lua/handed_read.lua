#!lua flags=allow-oom
-- What a consumer reads before deciding a batch: Redis' clock (the one clock that acceptance stamps validity with
-- and the retry schedule is compared against), and which of the messages were handed to the provider before by a
-- delivery that did not finish (see lua/hand.lua).
--
-- KEYS[1]  handed records (hash: id -> attempt)  sms:handed:<type>
-- ARGV     message ids
-- Returns { now in epoch millis, then one attempt (or false) per message id, in order }.

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local result = { now_ms }
if #ARGV == 0 then
  return result
end
local key_type = redis.call('TYPE', KEYS[1]).ok
if key_type ~= 'hash' then
  if key_type ~= 'none' then
    return redis.error_reply('WRONGTYPE handed key ' .. KEYS[1] .. ' holds a ' .. key_type)
  end
  for i = 1, #ARGV do
    result[i + 1] = false
  end
  return result
end
for i = 1, #ARGV, 1000 do
  local chunk = {}
  for j = i, math.min(i + 999, #ARGV) do
    chunk[#chunk + 1] = ARGV[j]
  end
  local values = redis.call('HMGET', KEYS[1], unpack(chunk))
  for j = 1, #chunk do
    result[#result + 1] = values[j]
  end
end
return result
