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

if redis.call('TYPE', KEYS[1]).ok ~= 'stream' then
  return 0
end
local refreshed = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #pending == 1 and pending[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    refreshed = refreshed + 1
  end
end
return refreshed
