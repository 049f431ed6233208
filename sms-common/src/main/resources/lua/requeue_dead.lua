#!lua
-- Send a dead-lettered message again, as a new message: charge its client what the original was charged (field u,
-- else one credit) and append it to the stream under a new id, and remove the dead letter, in one step (the
-- dead-lettered original was failed and refunded). A recipient who opted out since is not sent to.
--
-- KEYS[1] dead-letter stream  sms:<type>:dead
-- KEYS[2] stream              sms:<type>
-- KEYS[3] balance key of the message's client
-- KEYS[4] rebuild freeze  sms:credit:rebuild
-- KEYS[5] the client's opt-outs  sms:optout:{client}
-- ARGV[1] dead-letter entry id
-- ARGV[2] new message id
-- ARGV[3] client id (must match the entry's)
-- Returns a status, which the Java side (DeadLetters) switches on: REQUEUED (1), GONE (0, no such dead letter),
-- NO_CREDIT (-1, the client's balance is spent), NOT_REQUEUABLE (-2, the entry lacks a field or names another
-- client), EXPIRED (-3, the message had a validity and it has passed), FROZEN (-4, a rebuild of the live
-- balances runs; nothing changed), OPTED_OUT (-5, the client opted the recipient out) or OPT_OUTS_UNLOADED (-6,
-- the client's opt-outs are not in Redis: load them and call again). Error replies only for a key of the wrong type.
--
-- A message with a validity (every express message) keeps its original expiry ('x', epoch millis by Redis' clock):
-- requeueing is a second chance to send it in time, never a way to send an OTP hours late.

local REQUEUED = 1
local GONE = 0
local NO_CREDIT = -1
local NOT_REQUEUABLE = -2
local EXPIRED = -3
local FROZEN = -4
local OPTED_OUT = -5
local OPT_OUTS_UNLOADED = -6

if redis.call('EXISTS', KEYS[4]) == 1 then
  return FROZEN
end

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
local cost = 1
if fields['u'] then
  cost = tonumber(fields['u'])
  if cost == nil or cost < 1 or cost ~= math.floor(cost) then
    return NOT_REQUEUABLE
  end
end
local member = redis.call('SMISMEMBER', KEYS[5], '!loaded', fields['to'])
if member[1] == 0 then
  return OPT_OUTS_UNLOADED
end
if member[2] == 1 then
  return OPTED_OUT
end
local balance_type = redis.call('TYPE', KEYS[3]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[3] .. ' holds a ' .. balance_type)
end
local balance = tonumber(redis.call('GET', KEYS[3]) or '0')
if balance == nil or balance < cost then
  return NO_CREDIT
end

if balance == cost then
  redis.call('DEL', KEYS[3])
else
  redis.call('SET', KEYS[3], balance - cost)
end
local entry = { 'id', ARGV[2], 'c', ARGV[3], 'to', fields['to'], 'f', fields['f'], 'b', fields['b'], 'q', tostring(now_ms) }
if expires_at then
  entry[#entry + 1] = 'x'
  entry[#entry + 1] = fields['x']
end
if cost ~= 1 then
  entry[#entry + 1] = 'u'
  entry[#entry + 1] = tostring(cost)
end
redis.call('XADD', KEYS[2], '*', unpack(entry))
redis.call('XDEL', KEYS[1], ARGV[1])
return REQUEUED
