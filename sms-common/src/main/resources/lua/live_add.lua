-- Adds one process's last second of live figures to the system-wide ones the dashboard reads (LiveFigures): one
-- call per process per second, however many messages moved, so the cost does not grow with the traffic.
--
-- KEYS[1]  the step's counters     sms:live:<step start, epoch seconds>   (hash: "<event>:<type>" -> count)
-- KEYS[2]  the minute's clients    sms:live:top:<minute, epoch minutes>   (sorted set: client -> messages)
-- KEYS[3]  the processes' status   sms:live:processes                     (hash: process id -> JSON)
-- ARGV[1]  seconds the step's counters live, ARGV[2] seconds the minute's clients live
-- ARGV[3]  n counter pairs, ARGV[4] m client pairs, ARGV[5] process id ('' for none), ARGV[6] its status JSON
-- then n pairs (field, count) and m pairs (client, messages)
local n = tonumber(ARGV[3])
local m = tonumber(ARGV[4])
local i = 7
if n > 0 then
  for _ = 1, n do
    redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
if m > 0 then
  for _ = 1, m do
    redis.call('ZINCRBY', KEYS[2], ARGV[i + 1], ARGV[i])
    i = i + 2
  end
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[6])
end
return n + m
