#!lua
-- Send a dead-lettered message again, as a new message: charge its client one credit and append it to the stream
-- under a new id, and remove the dead letter, in one step (the dead-lettered original was failed and refunded).
--
-- KEYS[1] dead-letter stream  sms:<type>:dead
-- KEYS[2] stream              sms:<type>
-- KEYS[3] balance key of the message's client
-- ARGV[1] dead-letter entry id
-- ARGV[2] new message id
-- ARGV[3] client id (must match the entry's)
-- Returns a status, which the Java side (DeadLetters) switches on: REQUEUED (1), GONE (0, no such dead letter),
-- NO_CREDIT (-1, the client's balance is spent), NOT_REQUEUABLE (-2, the entry lacks a field or names another
-- client) or EXPIRED (-3, the message had a validity and it has passed). Error replies only for a balance key of the
-- wrong type.
--
-- A message with a validity (every express message) keeps its original expiry ('x', epoch millis by Redis' clock):
-- requeueing is a second chance to send it in time, never a way to send an OTP hours late.

local REQUEUED = 1
local GONE = 0
local NO_CREDIT = -1
local NOT_REQUEUABLE = -2
local EXPIRED = -3

local entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #entries == 0 then
  return GONE
end
local flat = entries[1][2]
local fields = {}
for i = 1, #flat, 2 do
  fields[flat[i]] = flat[i + 1]
end
if fields['c'] ~= ARGV[3] or not fields['to'] or not fields['f'] or not fields['b'] then
  return NOT_REQUEUABLE
end
local expires_at = nil
if fields['x'] then
  expires_at = tonumber(fields['x'])
  if expires_at == nil then
    return NOT_REQUEUABLE
  end
end
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if expires_at and now_ms >= expires_at then
  return EXPIRED
end
local balance_type = redis.call('TYPE', KEYS[3]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[3] .. ' holds a ' .. balance_type)
end
local balance = tonumber(redis.call('GET', KEYS[3]) or '0')
if balance == nil or balance < 1 then
  return NO_CREDIT
end

if balance == 1 then
  redis.call('DEL', KEYS[3])
else
  redis.call('SET', KEYS[3], balance - 1)
end
if expires_at then
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'c', ARGV[3], 'to', fields['to'], 'f', fields['f'],
    'b', fields['b'], 'q', tostring(now_ms), 'x', fields['x'])
else
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'c', ARGV[3], 'to', fields['to'], 'f', fields['f'],
    'b', fields['b'], 'q', tostring(now_ms))
end
redis.call('XDEL', KEYS[1], ARGV[1])
return REQUEUED
