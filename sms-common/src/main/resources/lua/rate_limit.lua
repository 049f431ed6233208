#!lua
-- A fixed one-second window counter: admit a cost of `cost` when the window's count plus the cost stays within
-- the limit, else refuse and count nothing. Runs in Redis so that every API instance shares one count per client,
-- and uses Redis' clock so that the instances agree on where a window starts even when their own clocks drift.
--
-- The key's name carries no timestamp: it lives for the rest of the second in which it was created (PEXPIREAT at
-- the next whole second), so it is the current window's counter by construction, and the script names no key it
-- was not given (a requirement on Redis Cluster; the client id's hash tag keeps it in the client's slot).
--
-- KEYS[1]  window counter  sms:rate:{client}:requests
-- ARGV[1]  limit per window (positive integer)
-- ARGV[2]  cost of this call (positive integer)
-- Returns { ADMITTED (1), count in the window }, or { REFUSED (0), milliseconds until the window ends }; the Java
-- side (RateLimiter) switches on the status. Error replies only for a key of the wrong type or bad arguments.

local ADMITTED = 1
local REFUSED = 0

local key_type = redis.call('TYPE', KEYS[1]).ok
if key_type ~= 'string' and key_type ~= 'none' then
  return redis.error_reply('WRONGTYPE rate key ' .. KEYS[1] .. ' holds a ' .. key_type)
end
local limit = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
if limit == nil or limit < 1 or cost == nil or cost < 1 then
  return redis.error_reply('ERR rate_limit: bad limit or cost')
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used == nil then
  return redis.error_reply('ERR rate_limit: rate key ' .. KEYS[1] .. ' is not a number')
end

local ttl = redis.call('PTTL', KEYS[1])
if used + cost > limit then
  if ttl == -1 then
    -- A counter without an expiry (never written by this script) would refuse the client forever.
    redis.call('PEXPIRE', KEYS[1], 1000)
    ttl = 1000
  end
  return { REFUSED, math.max(ttl, 1) }
end

local count = redis.call('INCRBY', KEYS[1], cost)
if ttl < 0 then
  -- A new window: it ends at the next whole second of Redis' clock.
  local now = redis.call('TIME')
  redis.call('PEXPIREAT', KEYS[1], (tonumber(now[1]) + 1) * 1000)
end
return { ADMITTED, count }
