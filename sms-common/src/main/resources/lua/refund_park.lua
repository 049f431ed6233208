#!lua flags=allow-oom
-- Park the refunds of a client whose balance key is corrupt (refund.lua refused it), so that one client's broken
-- key does not hold back the batch, and with it every other client's messages. Each message's refund marker is
-- set here as refund.lua would, so a redelivery neither refunds it later nor parks it twice; the parked entry tells
-- operators which credit the repair of the balance (reconciliation's rebuild, from PostgreSQL) must give back.
-- allow-oom: like the refund itself, this must finish for the batch to be acknowledged and its memory freed.
--
-- KEYS[1]   parked refunds (hash: client:message id -> reason)  sms:refunds:failed
-- KEYS[2..] one refund marker per message                       sms:refund:{client}:<message id>
-- ARGV[1]   marker lifetime in seconds
-- ARGV[2]   client id
-- ARGV[3]   reason
-- ARGV[4..] the message ids, in the order of KEYS[2..]
-- Returns the number of refunds parked now (those refunded or parked before are not counted).

local parked_type = redis.call('TYPE', KEYS[1]).ok
if parked_type ~= 'hash' and parked_type ~= 'none' then
  return redis.error_reply('WRONGTYPE parked refunds key ' .. KEYS[1] .. ' holds a ' .. parked_type)
end
local ttl = tonumber(ARGV[1])
if ttl == nil or ttl < 1 or #ARGV ~= 3 + #KEYS - 1 then
  return redis.error_reply('ERR refund_park: bad arguments')
end
local parked = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    redis.call('HSET', KEYS[1], ARGV[2] .. ':' .. ARGV[2 + i], ARGV[3])
    parked = parked + 1
  end
end
return parked
