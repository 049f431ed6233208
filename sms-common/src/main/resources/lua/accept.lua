#!lua
-- Charge each message its credits (one per SMS part with per-segment pricing), in request order, for as many whole
-- messages as the balance covers, and queue them: the first message the balance cannot cover stops the charging,
-- so no later message is sent in its place. A message to a number the client has opted out is skipped, charged
-- nothing, and does not use up the balance of those after it. Atomic: Redis runs a script alone. A script is not rolled back when it fails halfway, so every check comes before the first write.
-- The shebang (no flags) makes Redis refuse the whole script up front when it is out of memory, instead of
-- failing one XADD in the middle.
--
-- KEYS[1]  balance key  sms:credit:{client}
-- KEYS[2]  stream key   sms:normal | sms:express
-- KEYS[3]  the client's opt-outs  sms:optout:{client} (a set of numbers, complete only with the member '!loaded')
-- KEYS[4], KEYS[5] (when ARGV[9] > 0: a scheduled send) the type's schedule sms:retry:<type> (sorted set: due time
--          -> the entry's fields as JSON, moved into the stream when due by retry_due.lua) and its index of
--          scheduled messages sms:scheduled:<type> (id -> the same JSON, for a cancel)
-- next     (optional) idempotency key  sms:idem:{client}:<Idempotency-Key>
-- KEYS[#KEYS - 1] (when ARGV[6] > 0) the client's messages-per-second window of this type
--          sms:rate:{client}:messages:<type>
-- KEYS[#KEYS] rebuild freeze  sms:credit:rebuild (always the last key)
-- ARGV[1]  client id
-- ARGV[2]  number of messages n
-- ARGV[3]  validity in milliseconds (0: the messages do not expire)
-- ARGV[4]  hash of the request (with the idempotency key)
-- ARGV[5]  lifetime of the idempotency record in milliseconds (with the idempotency key)
-- ARGV[6]  most messages of this type the client may queue per second (0: no limit)
-- ARGV[7]  deadline in epoch milliseconds, compared with Redis' clock (0: none)
-- ARGV[8]  credits of each message, comma-separated in request order ('' or '0': one each)
-- ARGV[9]  when to send, epoch milliseconds ('' or '0': now); the validity counts from it
-- ARGV[10..] n groups of 4 values: id, to, from, content (in request order)
-- Returns a status first, which the Java side (AcceptScript) switches on:
--   { accepted (0..n), balance left, acceptance time in epoch millis, k, k positions (from 0) of opted-out messages }
--                                      the first `accepted` messages not opted out were charged and queued (an entry
--                                      costing more than one credit carries field u = its credits)
--   { REPLAYED (-1), the record }  the idempotency key holds the record of an earlier request; nothing changed
--   { RATE_LIMITED (-2), milliseconds until the window ends }  the n messages do not fit in this second's window;
--                                                         nothing changed
--   { TOO_LATE (-3) }  Redis reached this call after its deadline; nothing changed
--   { FROZEN (-4) }  a rebuild of the live balances runs; nothing changed
--   { OPT_OUTS_UNLOADED (-5) }  the opt-out set is not loaded from PostgreSQL (OptOuts.load); nothing changed
-- The record is  request hash|accepted|balance left|acceptance millis|id,id,...|opted-out positions  (parsed by
-- IdempotencyRecord).
-- It is written only when something was accepted: a request that charged nothing (402) does not hold its key, so
-- the client can top up and retry with the same key.
-- The statuses of the refusals are negative so that a count of accepted messages can never be mistaken for one.
-- Errors (error replies) are kept for what no client request can cause: a key of the wrong type, a corrupt
-- balance, arguments the Java side would never send.
--
-- The rate window works as in rate_limit.lua (a counter that expires at the end of the second it was created
-- in). It is checked here, not in a separate call, so that the check, the charge and the count are one atomic
-- step: two concurrent requests can not both squeeze into the last free places of a window.

local REPLAYED = -1
local RATE_LIMITED = -2
local TOO_LATE = -3
local FROZEN = -4
local OPT_OUTS_UNLOADED = -5

-- The API gives up waiting for this call after sms.api.store-timeout and answers 503, but the call stays queued
-- on its connection and may run later (Redis paused, a slow script ahead of it). Run then, it would charge for a
-- request the client was told failed; past the deadline it changes nothing. The deadline is by the API's clock,
-- checked against Redis' clock: docs/adr/0010 states how far the two may disagree.
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local deadline = tonumber(ARGV[7])
if deadline == nil or deadline < 0 then
  return redis.error_reply('ERR accept: bad deadline')
end
if deadline > 0 and now_ms > deadline then
  return { TOO_LATE }
end

local stream_type = redis.call('TYPE', KEYS[2]).ok
if stream_type ~= 'stream' and stream_type ~= 'none' then
  return redis.error_reply('WRONGTYPE queue key ' .. KEYS[2] .. ' holds a ' .. stream_type)
end
local rate_limit = tonumber(ARGV[6])
if rate_limit == nil or rate_limit < 0 then
  return redis.error_reply('ERR accept: bad rate limit')
end
local key_count = #KEYS - 1
local rate_key = nil
if rate_limit > 0 then
  rate_key = KEYS[key_count]
  key_count = key_count - 1
end
local send_at = tonumber(ARGV[9] == '' and '0' or ARGV[9])
if send_at == nil or send_at < 0 then
  return redis.error_reply('ERR accept: bad send time')
end
local schedule = nil
local scheduled_index = nil
local idem_position = 4
if send_at > 0 then
  schedule = KEYS[4]
  scheduled_index = KEYS[5]
  idem_position = 6
  local schedule_type = redis.call('TYPE', schedule).ok
  local index_type = redis.call('TYPE', scheduled_index).ok
  if (schedule_type ~= 'zset' and schedule_type ~= 'none') or (index_type ~= 'hash' and index_type ~= 'none') then
    return redis.error_reply('WRONGTYPE schedule keys hold a ' .. schedule_type .. ' and a ' .. index_type)
  end
end
local idem = nil
if key_count >= idem_position then
  idem = KEYS[idem_position]
end
local idem_ttl = nil
if idem then
  -- Checked here, before any write: a SET with a bad lifetime at the end would fail after the charge.
  idem_ttl = tonumber(ARGV[5])
  if idem_ttl == nil or idem_ttl < 1 or idem_ttl ~= math.floor(idem_ttl) then
    return redis.error_reply('ERR accept: bad idempotency lifetime')
  end
  local idem_type = redis.call('TYPE', idem).ok
  if idem_type == 'string' then
    return { REPLAYED, redis.call('GET', idem) }
  elseif idem_type ~= 'none' then
    return redis.error_reply('WRONGTYPE idempotency key holds a ' .. idem_type)
  end
end

-- A rebuild of the live balances reads the queues and sets balances: nothing may be charged or queued meanwhile.
-- (A replay above charges nothing, so it may still answer.)
if redis.call('EXISTS', KEYS[#KEYS]) == 1 then
  return { FROZEN }
end

local first = 10
local n = tonumber(ARGV[2])
if n == nil or n < 1 or n ~= math.floor(n) or #ARGV ~= first - 1 + 4 * n then
  return redis.error_reply('ERR accept: bad message count')
end
-- nil: every message costs one credit
local credits = nil
if ARGV[8] ~= '' and ARGV[8] ~= '0' then
  credits = {}
  for c in string.gmatch(ARGV[8], '[^,]+') do
    local v = tonumber(c)
    if v == nil or v < 1 or v ~= math.floor(v) then
      return redis.error_reply('ERR accept: bad credits')
    end
    credits[#credits + 1] = v
  end
  if #credits ~= n then
    return redis.error_reply('ERR accept: bad credits')
  end
end
local validity = tonumber(ARGV[3])
if validity == nil or validity < 0 then
  return redis.error_reply('ERR accept: bad validity')
end

-- The client's opt-outs. One SMISMEMBER answers whether the copy is complete (its marker) and, for each message,
-- whether its number opted out (a key of another type fails it with WRONGTYPE, before any write). Without the
-- marker the set may be missing numbers (Redis lost its data): sending on it could text someone who opted out, so
-- nothing is accepted until the API has loaded it again from PostgreSQL.
-- In chunks: Lua's unpack takes at most a few thousand values. member[1] is the marker, member[i + 2] message i.
local member = {}
local probe = { '!loaded' }
local next_message = 0
repeat
  local last = math.min(n - 1, next_message + 999)
  for i = next_message, last do
    probe[#probe + 1] = ARGV[first + 4 * i + 1]
  end
  local answer = redis.call('SMISMEMBER', KEYS[3], unpack(probe))
  for k = 1, #answer do
    member[#member + 1] = answer[k]
  end
  probe = {}
  next_message = last + 1
until next_message >= n
if member[1] == 0 then
  return { OPT_OUTS_UNLOADED }
end
-- Positions (from 0) of the messages that may be sent, and of those to opted-out numbers, in request order.
local sendable = {}
local opted_out = {}
for i = 0, n - 1 do
  if member[i + 2] == 1 then
    opted_out[#opted_out + 1] = i
  else
    sendable[#sendable + 1] = i
  end
end

-- A balance key of another type fails this GET with WRONGTYPE, still before any write: no TYPE call is needed.
local raw = redis.call('GET', KEYS[1])
local balance = 0
if raw then
  balance = tonumber(raw)
  if balance == nil or balance < 0 or balance ~= math.floor(balance) then
    return redis.error_reply('ERR accept: balance key ' .. KEYS[1] .. ' is not a non-negative integer')
  end
end

local rate_ttl = nil
if rate_key then
  local rate_type = redis.call('TYPE', rate_key).ok
  if rate_type ~= 'string' and rate_type ~= 'none' then
    return redis.error_reply('WRONGTYPE rate key ' .. rate_key .. ' holds a ' .. rate_type)
  end
  local used = tonumber(redis.call('GET', rate_key) or '0')
  if used == nil then
    return redis.error_reply('ERR accept: rate key ' .. rate_key .. ' is not a number')
  end
  rate_ttl = redis.call('PTTL', rate_key)
  -- The whole request must fit: a request is accepted or refused for the rate as one, never cut.
  if used + #sendable > rate_limit then
    if rate_ttl == -1 then
      -- A counter without an expiry (never written by this script) would refuse the client forever.
      redis.call('PEXPIRE', rate_key, 1000)
      rate_ttl = 1000
    end
    return { RATE_LIMITED, math.max(rate_ttl, 1) }
  end
end

-- Whole messages, in order, while the balance covers them.
local accepted = 0
local charged = 0
for k = 1, #sendable do
  local cost = credits and credits[sendable[k] + 1] or 1
  if charged + cost > balance then
    break
  end
  charged = charged + cost
  accepted = accepted + 1
end
local left = balance - charged
-- How many go into the stream now: all, unless they are scheduled.
local accepted_now = accepted

if accepted > 0 then
  if left == 0 then
    -- A spent balance leaves no key behind, so an account at zero costs Redis no memory.
    redis.call('DEL', KEYS[1])
  else
    redis.call('SET', KEYS[1], left)
  end
  local client = ARGV[1]
  local queued_at = tostring(now_ms)
  local expires_at = validity > 0 and tostring(now_ms + validity) or nil
  if schedule and send_at > now_ms then
    -- Scheduled: charged now, queued when due. The validity counts from the time to send; q is set again when
    -- the entry enters the stream (retry_due.lua), so the queue's latency is measured from then.
    local until_ms = validity > 0 and tostring(send_at + validity) or nil
    for k = 1, accepted do
      local b = first + 4 * sendable[k]
      local cost = credits and credits[sendable[k] + 1] or 1
      local entry = { id = ARGV[b], c = client, to = ARGV[b + 1], f = ARGV[b + 2], b = ARGV[b + 3], q = queued_at,
        s = tostring(send_at) }
      if until_ms then
        entry.x = until_ms
      end
      if cost ~= 1 then
        entry.u = tostring(cost)
      end
      local json = cjson.encode(entry)
      redis.call('ZADD', schedule, send_at, json)
      redis.call('HSET', scheduled_index, ARGV[b], json)
    end
    accepted_now = 0
  end
  for k = 1, accepted_now do
    local b = first + 4 * sendable[k]
    local cost = credits and credits[sendable[k] + 1] or 1
    -- Four spelled-out calls rather than a field table per message: this loop is the hot path of acceptance.
    -- Field u is what a refund gives back and reconciliation counts as queued; absent, it means one credit.
    if cost == 1 then
      if expires_at then
        redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'c', client, 'to', ARGV[b + 1], 'f', ARGV[b + 2],
          'b', ARGV[b + 3], 'q', queued_at, 'x', expires_at)
      else
        redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'c', client, 'to', ARGV[b + 1], 'f', ARGV[b + 2],
          'b', ARGV[b + 3], 'q', queued_at)
      end
    elseif expires_at then
      redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'c', client, 'to', ARGV[b + 1], 'f', ARGV[b + 2],
        'b', ARGV[b + 3], 'q', queued_at, 'x', expires_at, 'u', cost)
    else
      redis.call('XADD', KEYS[2], '*', 'id', ARGV[b], 'c', client, 'to', ARGV[b + 1], 'f', ARGV[b + 2],
        'b', ARGV[b + 3], 'q', queued_at, 'u', cost)
    end
  end
end

if rate_key and accepted > 0 then
  -- Only messages actually queued count against the window; those the balance did not cover cost nothing.
  redis.call('INCRBY', rate_key, accepted)
  if rate_ttl < 0 then
    redis.call('PEXPIREAT', rate_key, (tonumber(time[1]) + 1) * 1000)
  end
end

if idem and accepted > 0 then
  -- Remember the answer, so that a retry of this request is charged nothing and told the same.
  local ids = {}
  for k = 1, accepted do
    ids[#ids + 1] = ARGV[first + 4 * sendable[k]]
  end
  local record = ARGV[4] .. '|' .. accepted .. '|' .. left .. '|' .. now_ms .. '|' .. table.concat(ids, ',') .. '|'
    .. table.concat(opted_out, ',')
  redis.call('SET', idem, record, 'PX', idem_ttl)
end

local reply = { accepted, left, now_ms, #opted_out }
for k = 1, #opted_out do
  reply[#reply + 1] = opted_out[k]
end
return reply
