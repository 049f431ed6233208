#!lua
-- Apply one credit ledger entry (a top-up PostgreSQL has committed) to the client's live balance, at most once:
-- a marker per ledger entry remembers the outcome (1 added, 0 refused over the maximum) and is never undone. The
-- request that made the top-up, a late copy of its call still queued on a connection, a retry of the client and
-- the recovery job may all run this for the same entry; only the first changes anything, the others get the same
-- answer. A result beyond the maximum balance is refused, so a balance can never overflow Lua's exact integer
-- range (2^53). While a rebuild of the live balances runs, nothing is done (the entry stays pending).
--
-- KEYS[1] balance key       sms:credit:{client}
-- KEYS[2] applied marker    sms:credit:applied:{client}:<ledger id>
-- KEYS[3] rebuild freeze    sms:credit:rebuild
-- ARGV[1] amount to add (positive integer)
-- ARGV[2] maximum balance
-- ARGV[3] lifetime of the marker in seconds
-- Returns { ADDED (1), the balance } when the entry was added (now or before), { OVER_LIMIT (0), the maximum }
-- when it was refused (now or before), { FROZEN (-1), 0 } when a rebuild runs and nothing was done. The Java side
-- (CreditScripts) switches on the status. Error replies are kept for what no client request can cause: a key of
-- the wrong type, a corrupt balance, a bad amount.

local ADDED = 1
local OVER_LIMIT = 0
local FROZEN = -1

local balance_type = redis.call('TYPE', KEYS[1]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[1] .. ' holds a ' .. balance_type)
end
local amount = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
if amount == nil or amount < 1 or amount ~= math.floor(amount) or max == nil or ttl == nil or ttl < 1 then
  return redis.error_reply('ERR credit_add: bad arguments')
end
local marker = redis.call('GET', KEYS[2])
if marker == '1' then
  return { ADDED, tonumber(redis.call('GET', KEYS[1]) or '0') }
elseif marker == '0' then
  return { OVER_LIMIT, max }
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  return { FROZEN, 0 }
end
local balance = tonumber(redis.call('GET', KEYS[1]) or '0')
if balance == nil then
  return redis.error_reply('ERR credit_add: balance key ' .. KEYS[1] .. ' is not an integer')
end
if balance + amount > max then
  redis.call('SET', KEYS[2], '0', 'EX', ttl)
  return { OVER_LIMIT, max }
end
redis.call('SET', KEYS[2], '1', 'EX', ttl)
return { ADDED, redis.call('INCRBY', KEYS[1], amount) }
