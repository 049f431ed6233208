#!lua flags=allow-oom
-- Record "handed to the provider" for the entries this consumer still owns, right before it sends them, and refresh
-- their idle time. A consumer that takes an entry over later (this one stalled or died) reads the record before it
-- sends (lua/handed_read.lua) and does not send again; an entry already taken over from this consumer is not
-- marked, and this consumer must not send it. Ownership is checked here, in one script with the mark, so no other
-- consumer can take the entry over between the check and the record.
--
-- KEYS[1]  stream key                            sms:<type>
-- KEYS[2]  handed records (hash: id -> attempt)  sms:handed:<type>
-- ARGV[1]  consumer group
-- ARGV[2]  this consumer's name
-- then triples: entry id, message id, attempt
-- Returns the message ids marked (those whose entries this consumer still owns), in order.

-- One range query for the whole batch, not one per entry: the entries between the batch's lowest and highest id
-- that this consumer owns. (Entries of this consumer outside the batch may lie in the range too; the count leaves
-- room for them. Should there ever be more, an entry left out is simply not marked by this call.)
local function parse(entry)
  local ms, seq = string.match(entry, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function owned_entries(first, step)
  local lo, hi = ARGV[first], ARGV[first]
  local lo_ms, lo_seq = parse(lo)
  if lo_ms == nil then
    return nil, lo
  end
  local hi_ms, hi_seq = lo_ms, lo_seq
  local n = 0
  for i = first, #ARGV, step do
    local ms, seq = parse(ARGV[i])
    if ms == nil then
      return nil, ARGV[i]
    end
    if ms < lo_ms or (ms == lo_ms and seq < lo_seq) then
      lo, lo_ms, lo_seq = ARGV[i], ms, seq
    end
    if ms > hi_ms or (ms == hi_ms and seq > hi_seq) then
      hi, hi_ms, hi_seq = ARGV[i], ms, seq
    end
    n = n + 1
  end
  local owned = {}
  for _, p in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], lo, hi, n + 10000, ARGV[2])) do
    owned[p[1]] = true
  end
  return owned
end
-- XCLAIM ... JUSTID of many ids at once, in chunks that keep unpack far below Lua's stack limit. The idle time
-- starts again, the delivery count does not grow.
local function claim(ids)
  for i = 1, #ids, 1000 do
    local args = { KEYS[1], ARGV[1], ARGV[2], 0 }
    for j = i, math.min(i + 999, #ids) do
      args[#args + 1] = ids[j]
    end
    args[#args + 1] = 'JUSTID'
    redis.call('XCLAIM', unpack(args))
  end
end

local stream_type = redis.call('TYPE', KEYS[1]).ok
if stream_type ~= 'stream' or #ARGV < 5 then
  return {}
end
local owned, bad = owned_entries(3, 3)
if owned == nil then
  return redis.error_reply('ERR hand: bad entry id ' .. tostring(bad))
end
local claimed, marked = {}, {}
for i = 3, #ARGV, 3 do
  if owned[ARGV[i]] then
    claimed[#claimed + 1] = ARGV[i]
    marked[#marked + 1] = ARGV[i + 1]
  end
end
claim(claimed)
for i = 3, #ARGV, 3000 do
  local args = { KEYS[2] }
  for j = i, math.min(i + 2999, #ARGV), 3 do
    if owned[ARGV[j]] then
      args[#args + 1] = ARGV[j + 1]
      args[#args + 1] = ARGV[j + 2]
    end
  end
  if #args > 1 then
    redis.call('HSET', unpack(args))
  end
end
return marked
