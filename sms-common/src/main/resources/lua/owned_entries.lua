-- Spliced by LuaScript.load where a script says `-- #include owned_entries` (Redis runs one script text, with no
-- imports): which entries of a batch the calling consumer owns. Expects KEYS[1] = the stream, ARGV[1] = the group,
-- ARGV[2] = the consumer, and the batch's entry ids in ARGV from `first`, every `step`-th argument.
--
-- One range query for the whole batch, not one per entry: the entries between the batch's lowest and highest id
-- that this consumer owns. (Entries of this consumer outside the batch may lie in the range too; the count leaves
-- room for them. Should there ever be more, an entry left out is simply treated as not owned.)
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
