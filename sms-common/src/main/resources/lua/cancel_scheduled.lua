#!lua
-- Cancel a scheduled message and give its client back what it was charged, exactly once: the message leaves the
-- schedule in this script or in retry_due.lua's (when it becomes due), never both, since Redis runs one script at
-- a time. Every check comes before the first write.
--
-- KEYS[1] the type's schedule  sms:retry:<type>
-- KEYS[2] index of scheduled messages  sms:scheduled:<type>
-- KEYS[3] balance key of the client  sms:credit:{client}
-- KEYS[4] rebuild freeze  sms:credit:rebuild
-- KEYS[5] scheduled messages queued in the last hour  sms:scheduled:<type>:queued
-- ARGV[1] message id
-- ARGV[2] client id (the message must be this client's)
-- Returns { CANCELLED (1), credits given back, balance after }, { NOT_SCHEDULED (0) } (no such scheduled message
-- of this client), { QUEUED (-1) } (it became due and entered its queue) or { FROZEN (-4) } (a rebuild of the live
-- balances runs; nothing changed).

local CANCELLED = 1
local NOT_SCHEDULED = 0
local QUEUED = -1
local FROZEN = -4

if redis.call('EXISTS', KEYS[4]) == 1 then
  return { FROZEN }
end
local member = redis.call('HGET', KEYS[2], ARGV[1])
if not member then
  if redis.call('ZSCORE', KEYS[5], ARGV[1]) then
    return { QUEUED }
  end
  return { NOT_SCHEDULED }
end
local ok, fields = pcall(cjson.decode, member)
if not ok or type(fields) ~= 'table' or fields.c ~= ARGV[2] then
  -- Another client's message is "not scheduled" for this one: nothing tells a caller that the id exists.
  return { NOT_SCHEDULED }
end
local credits = tonumber(fields.u or '1')
if credits == nil or credits < 1 then
  return redis.error_reply('ERR cancel: bad credits in the scheduled entry')
end
-- A balance key of another type fails this GET before any write.
local balance = tonumber(redis.call('GET', KEYS[3]) or '0')
if balance == nil then
  return redis.error_reply('ERR cancel: balance key ' .. KEYS[3] .. ' is not a number')
end
if redis.call('ZREM', KEYS[1], member) == 0 then
  -- Indexed but no longer scheduled: it entered its queue (the index is cleaned in the same step, so this is only
  -- an index entry left behind); it is not cancelled.
  redis.call('HDEL', KEYS[2], ARGV[1])
  return { QUEUED }
end
redis.call('HDEL', KEYS[2], ARGV[1])
local after = redis.call('INCRBY', KEYS[3], credits)
return { CANCELLED, credits, after }
