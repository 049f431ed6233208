#!lua
-- Set one client's live balance during a rebuild, only while that rebuild still holds the freeze (so a rebuild
-- whose freeze expired never writes), and account for the client's top-ups PostgreSQL holds as not yet applied:
-- one whose marker says refused (0) is left out (the recovery job takes it out of PostgreSQL); every other one is
-- counted in and marked applied (1), so that no later credit_add.lua adds it a second time.
--
-- KEYS[1]   rebuild freeze    sms:credit:rebuild
-- KEYS[2]   balance key       sms:credit:{client}
-- KEYS[3..] applied markers of the pending top-ups   sms:credit:applied:{client}:<ledger id>
-- ARGV[1]   the rebuild's token (the freeze key's value)
-- ARGV[2]   the balance without the pending top-ups: applied top-ups - sent - still queued
-- ARGV[3]   lifetime of a marker in seconds
-- ARGV[4..] the pending top-ups' amounts, in the order of their markers
-- Returns { SET (1), the balance before, the balance set } or { NOT_FROZEN (0) } when the freeze is not ours.

local SET = 1
local NOT_FROZEN = 0

if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return { NOT_FROZEN }
end
local balance_type = redis.call('TYPE', KEYS[2]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[2] .. ' holds a ' .. balance_type)
end
local balance = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
if balance == nil or ttl == nil or #ARGV ~= 3 + (#KEYS - 2) then
  return redis.error_reply('ERR rebuild_set: bad arguments')
end
for i = 3, #KEYS do
  local amount = tonumber(ARGV[i + 1])
  if amount == nil then
    return redis.error_reply('ERR rebuild_set: bad amount')
  end
  if redis.call('GET', KEYS[i]) ~= '0' then
    balance = balance + amount
  end
end
for i = 3, #KEYS do
  if redis.call('GET', KEYS[i]) ~= '0' then
    redis.call('SET', KEYS[i], '1', 'EX', ttl)
  end
end
local before = tonumber(redis.call('GET', KEYS[2]) or '0') or -1
if balance > 0 then
  redis.call('SET', KEYS[2], string.format('%d', balance))
else
  -- A spent balance leaves no key behind, as accept.lua does; a negative one (more queued than added) too.
  redis.call('DEL', KEYS[2])
end
return { SET, before, math.max(balance, 0) }
