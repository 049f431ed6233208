#!lua
-- End a rebuild: delete the freeze key only when it is still this rebuild's (it expires on its own otherwise).
--
-- KEYS[1] rebuild freeze  sms:credit:rebuild
-- ARGV[1] the rebuild's token
-- Returns 1 when deleted, 0 when the key was not ours.

if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
