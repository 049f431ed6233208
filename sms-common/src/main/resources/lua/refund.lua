#!lua flags=allow-oom
-- allow-oom: a refund must finish even when Redis is full; refusing it would keep the batch (and the
-- stream's memory) pending forever. It adds one small marker per failed message.
-- Give back what each failed message was charged, at most once per message id, however often a worker sees the
-- message: each refund leaves a marker key that expires long after any redelivery could happen.
--
-- KEYS[1]   balance key  sms:credit:{client}
-- KEYS[2..] one marker key per failed message  sms:refund:{client}:<message id>
-- ARGV[1]   marker lifetime in seconds
-- ARGV[2..] (optional) the credits of each message, in the order of KEYS[2..]; without them, one each
-- Returns the number of credits given back now (messages refunded before are not counted again).

local balance_type = redis.call('TYPE', KEYS[1]).ok
if balance_type ~= 'string' and balance_type ~= 'none' then
  return redis.error_reply('WRONGTYPE balance key ' .. KEYS[1] .. ' holds a ' .. balance_type)
end
local raw = redis.call('GET', KEYS[1])
if raw then
  local balance = tonumber(raw)
  if balance == nil or balance ~= math.floor(balance) then
    return redis.error_reply('ERR refund: balance key ' .. KEYS[1] .. ' is not an integer')
  end
end
local ttl = tonumber(ARGV[1])
if ttl == nil or ttl < 1 then
  return redis.error_reply('ERR refund: bad marker lifetime')
end

local amounts = #ARGV > 1
if amounts and #ARGV ~= #KEYS then
  return redis.error_reply('ERR refund: one amount per marker')
end
for i = 2, #ARGV do
  local credits = tonumber(ARGV[i])
  if credits == nil or credits < 1 or credits ~= math.floor(credits) then
    return redis.error_reply('ERR refund: bad amount')
  end
end

local refunded = 0
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    refunded = refunded + (amounts and tonumber(ARGV[i]) or 1)
  end
end
if refunded > 0 then
  redis.call('INCRBY', KEYS[1], refunded)
end
return refunded
