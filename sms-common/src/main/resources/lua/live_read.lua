-- Reads the dashboard's live counters in one round trip: every step of the window (KEYS, oldest first), each as
-- HGETALL's flat field/value list (empty for a step nobody counted in, or one that expired). Reads only.
local steps = {}
for i = 1, #KEYS do
  steps[i] = redis.call('HGETALL', KEYS[i])
end
return steps
