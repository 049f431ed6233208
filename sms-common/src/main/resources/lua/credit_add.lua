#!lua
-- Raise a client's live balance by a positive amount, refusing a result beyond the maximum balance so a
-- balance can never overflow Lua's exact integer range (2^53).
--
-- KEYS[1] balance key  sms:credit:{client}
-- ARGV[1] amount to add (positive integer)
-- ARGV[2] maximum balance
-- Returns { ADDED (1), the new balance }, or { OVER_LIMIT (0), the maximum } when the result would exceed the
-- maximum; then nothing changed. The Java side (CreditScripts) switches on the status. Error replies are kept for
-- what no client request can cause: a key of the wrong type, a corrupt balance, a bad amount.

local ADDED = 1
local OVER_LIMIT = 0

local balance_type = redis.call('TYPE', KEYS[1]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[1] .. ' holds a ' .. balance_type)
end
local amount = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
if amount == nil or amount < 1 or amount ~= math.floor(amount) or max == nil then
  return redis.error_reply('ERR credit_add: bad amount')
end
local balance = tonumber(redis.call('GET', KEYS[1]) or '0')
if balance == nil then
  return redis.error_reply('ERR credit_add: balance key ' .. KEYS[1] .. ' is not an integer')
end
if balance + amount > max then
  return { OVER_LIMIT, max }
end
return { ADDED, redis.call('INCRBY', KEYS[1], amount) }
