#!lua
-- Charge one credit per message, for as many messages as the balance covers, and queue them. Atomic: Redis runs
-- a script alone. A script is not rolled back when it fails halfway, so every check comes before the first write.
-- The shebang (no flags) makes Redis refuse the whole script up front when it is out of memory, instead of
-- failing one XADD in the middle.
--
-- KEYS[1]  balance key  sms:credit:{client}
-- KEYS[2]  stream key   sms:normal | sms:express
-- KEYS[3]  (optional) idempotency key  sms:idem:{client}:<Idempotency-Key>
-- ARGV[1]  client id
-- ARGV[2]  number of messages n
-- ARGV[3]  validity in milliseconds (0: the messages do not expire)
-- ARGV[4]  hash of the request (with KEYS[3])
-- ARGV[5]  lifetime of the idempotency record in seconds (with KEYS[3])
-- ARGV[6..] n groups of 4 values: id, to, from, content (in request order)
-- Returns { accepted, balance left, acceptance time in epoch millis }, or, when KEYS[3] already holds the
-- record of an earlier request with this key, { -1, that record } and changes nothing.

local balance_type = redis.call('TYPE', KEYS[1]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[1] .. ' holds a ' .. balance_type)
end
local stream_type = redis.call('TYPE', KEYS[2]).ok
if stream_type ~= 'stream' and stream_type ~= 'none' then
  return redis.error_reply('WRONGTYPE queue key ' .. KEYS[2] .. ' holds a ' .. stream_type)
end
local idem = KEYS[3]
if idem then
  local idem_type = redis.call('TYPE', idem).ok
  if idem_type == 'string' then
    return { -1, redis.call('GET', idem) }
  elseif idem_type ~= 'none' then
    return redis.error_reply('WRONGTYPE idempotency key holds a ' .. idem_type)
  end
end

local first = 6
local n = tonumber(ARGV[2])
if n == nil or n < 1 or n ~= math.floor(n) or #ARGV ~= first - 1 + 4 * n then
  return redis.error_reply('ERR accept: bad message count')
end
local validity = tonumber(ARGV[3])
if validity == nil or validity < 0 then
  return redis.error_reply('ERR accept: bad validity')
end

local raw = redis.call('GET', KEYS[1])
local balance = 0
if raw then
  balance = tonumber(raw)
  if balance == nil or balance < 0 or balance ~= math.floor(balance) then
    return redis.error_reply('ERR accept: balance key ' .. KEYS[1] .. ' is not a non-negative integer')
  end
end

local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local accepted = math.min(n, balance)
local left = balance - accepted

if accepted > 0 then
  if left == 0 then
    -- The seed's rule: a spent balance leaves no key behind.
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], left)
  end
  local client = ARGV[1]
  local queued_at = tostring(now_ms)
  local expires_at = validity > 0 and tostring(now_ms + validity) or nil
  for i = 0, accepted - 1 do
    local b = first + 4 * i
    if expires_at then
      redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'c', client, 'to', ARGV[b + 1], 'f', ARGV[b + 2],
        'b', ARGV[b + 3], 'q', queued_at, 'x', expires_at)
    else
      redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'c', client, 'to', ARGV[b + 1], 'f', ARGV[b + 2],
        'b', ARGV[b + 3], 'q', queued_at)
    end
  end
end

if idem then
  -- Remember the answer, so that a retry of this request is charged nothing and told the same.
  local ids = {}
  for i = 0, accepted - 1 do
    ids[#ids + 1] = ARGV[first + 4 * i]
  end
  local record = ARGV[4] .. '|' .. accepted .. '|' .. left .. '|' .. now_ms .. '|' .. table.concat(ids, ',')
  redis.call('SET', idem, record, 'EX', tonumber(ARGV[5]))
end

return { accepted, left, now_ms }
