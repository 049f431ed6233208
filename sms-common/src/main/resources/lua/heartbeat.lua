#!lua flags=allow-oom
-- A live consumer keeps its batch: it resets the idle time of those of its entries it still owns, so that no other
-- consumer takes over a batch that is only slow (a slow provider, PostgreSQL away). Without this, each takeover of
-- a live batch raised the delivery count until the message was dead-lettered, and the work was done twice.
--
-- KEYS[1]  stream key  sms:<type>
-- ARGV[1]  consumer group
-- ARGV[2]  this consumer's name
-- then the entry ids of the batch
-- Returns how many entries were refreshed (fewer than given: some were taken over or finished).

-- One range query for the whole batch, not one per entry: the entries between the batch's lowest and highest id
-- that this consumer owns. (Entries of this consumer outside the batch may lie in the range too; the count leaves
-- room for them. Should there ever be more, an entry left out is simply not refreshed by this call.)
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

if redis.call('TYPE', KEYS[1]).ok ~= 'stream' or #ARGV < 3 then
  return 0
end
local owned, bad = owned_entries(3, 1)
if owned == nil then
  return redis.error_reply('ERR heartbeat: bad entry id ' .. tostring(bad))
end
local refreshed = {}
for i = 3, #ARGV do
  if owned[ARGV[i]] then
    refreshed[#refreshed + 1] = ARGV[i]
  end
end
claim(refreshed)
return #refreshed
