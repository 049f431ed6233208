#!lua flags=allow-oom
-- Forget consumers of a stream's group that are provably empty: checked and deleted in one atomic step, so a
-- consumer that resumed and read a batch after the caller's snapshot is never deleted with its pending entries
-- (XGROUP DELCONSUMER drops them from the group for good). allow-oom: deleting consumers frees memory.
--
-- KEYS[1]   stream key
-- ARGV[1]   consumer group
-- ARGV[2]   least idle time in milliseconds
-- ARGV[3..] candidate consumer names
-- Returns the number of consumers deleted.

if redis.call('TYPE', KEYS[1]).ok ~= 'stream' then
  return 0
end
local min_idle = tonumber(ARGV[2])
if min_idle == nil or min_idle < 0 then
  return redis.error_reply('ERR prune_consumers: bad idle time')
end
local state = {}
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local fields = {}
  for i = 1, #c, 2 do
    fields[c[i]] = c[i + 1]
  end
  state[fields['name']] = fields
end
local deleted = 0
for i = 3, #ARGV do
  local c = state[ARGV[i]]
  if c and tonumber(c['pending']) == 0 and tonumber(c['idle']) >= min_idle then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[i])
    deleted = deleted + 1
  end
end
return deleted
