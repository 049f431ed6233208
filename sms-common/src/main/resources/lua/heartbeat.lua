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

-- #include owned_entries
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
