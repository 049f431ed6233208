#!lua
-- Counts one failed authentication (a wrong admin key, an invalid token) against one counter: per source address
-- or per claimed caller, a call each, so that the script names only the key it was given and stays in one slot on
-- Redis Cluster. The counter lives for one window from its first failure (a fixed window), so a burst of failures
-- is forgotten a window after it began and an idle key leaves nothing behind. Redis' clock times the window, so
-- every API instance shares one count and one end.
--
-- KEYS[1]  failure counter  sms:auth-failures:address:{203.0.113.7} or sms:auth-failures:caller:{acme}
-- ARGV[1]  window in milliseconds (positive integer)
-- Returns { failures in the window including this one, milliseconds until the window ends }; the Java side
-- (AuthThrottle) compares the count with its limit. Error replies only for a key of the wrong type or bad arguments.

local key_type = redis.call('TYPE', KEYS[1]).ok
if key_type ~= 'string' and key_type ~= 'none' then
  return redis.error_reply('WRONGTYPE auth failure key ' .. KEYS[1] .. ' holds a ' .. key_type)
end
local window = tonumber(ARGV[1])
if window == nil or window < 1 then
  return redis.error_reply('ERR auth_failures: bad window')
end

local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  -- The first failure of a window, or a counter left without an expiry, which would count forever.
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return { count, ttl }
