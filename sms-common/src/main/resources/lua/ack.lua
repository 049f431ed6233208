#!lua flags=allow-oom
-- Finish processed entries in one atomic step: schedule the retries among them, acknowledge them, append the
-- dead letters of those this call acknowledged, and delete them all, so the stream holds only work still to do
-- and its memory stays bounded. One script, so an entry is never acknowledged without its retry being scheduled,
-- and a dead letter is written exactly once: a second finish of the same entry (a redelivery, a worker that
-- resumes after its batch was taken over) acknowledges nothing and so appends nothing. (Redis 8.2 has XACKDEL;
-- this keeps Redis 7 supported.)
--
-- allow-oom: this script is what frees the stream's memory. Refused at maxmemory, as a plain #!lua script is,
-- the workers could never acknowledge anything and Redis would stay full for good (issue 17, item 7). The few
-- writes that grow memory here (a retry, a dead letter) are each in place of an entry deleted in the same call.
--
-- KEYS[1]   stream key                                        sms:<type>
-- KEYS[2]   retry schedule (sorted set) of the stream's type  sms:retry:<type>
-- KEYS[3]   dead-letter stream of the stream's type           sms:<type>:dead
-- KEYS[4]   handed records of the stream's type (hash)        sms:handed:<type>
-- ARGV[1]   consumer group
-- ARGV[2]   number of entry ids k
-- ARGV[3]   number of retries r
-- ARGV[4]   number of dead letters d
-- then k entry ids
-- then r pairs: due time (epoch millis), the retry's fields as JSON
-- then d dead letters, each: the entry id it replaces, the number of fields n, then n field/value pairs
-- then the message ids of the batch, whose "handed to the provider" records (lua/hand.lua) end here
-- Returns {entries acknowledged now (0 for one another consumer already finished), dead letters appended}.

local function type_of(key, allowed)
  local t = redis.call('TYPE', key).ok
  if t ~= allowed and t ~= 'none' then
    return nil, redis.error_reply('WRONGTYPE key ' .. key .. ' holds a ' .. t)
  end
  return t
end
local stream_type, err = type_of(KEYS[1], 'stream')
if err then return err end
local _, err2 = type_of(KEYS[2], 'zset')
if err2 then return err2 end
local _, err3 = type_of(KEYS[3], 'stream')
if err3 then return err3 end

local k, r, d = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if k == nil or r == nil or d == nil or k < 0 or r < 0 or d < 0 or #ARGV < 4 + k + 2 * r then
  return redis.error_reply('ERR ack: bad arguments')
end

-- Read every argument before the first write: Redis does not roll a script back.
local ids = {}
for i = 5, 4 + k do
  ids[#ids + 1] = ARGV[i]
end
local retries_at = 5 + k
local dead = {}
local i = retries_at + 2 * r
for _ = 1, d do
  local source, n = ARGV[i], tonumber(ARGV[i + 1])
  if source == nil or n == nil or n < 1 or i + 1 + 2 * n > #ARGV then
    return redis.error_reply('ERR ack: bad dead letter arguments')
  end
  local fields = {}
  for j = i + 2, i + 1 + 2 * n do
    fields[#fields + 1] = ARGV[j]
  end
  dead[#dead + 1] = { source = source, fields = fields }
  i = i + 2 + 2 * n
end
local handed = {}
for j = i, #ARGV do
  handed[#handed + 1] = ARGV[j]
end
local _, err4 = type_of(KEYS[4], 'hash')
if err4 then return err4 end

for j = retries_at, retries_at + 2 * r - 1, 2 do
  redis.call('ZADD', KEYS[2], ARGV[j], ARGV[j + 1])
end

-- The outcome is recorded (PostgreSQL has it before this script runs), so the record has done its work.
for j = 1, #handed, 1000 do
  redis.call('HDEL', KEYS[4], unpack(handed, j, math.min(j + 999, #handed)))
end

if stream_type ~= 'stream' or k == 0 then
  return { 0, 0 }
end
-- One XACK per id tells which entries were still pending: only those get their dead letter.
local acked = {}
local acked_count = 0
for _, id in ipairs(ids) do
  if redis.call('XACK', KEYS[1], ARGV[1], id) == 1 then
    acked[id] = true
    acked_count = acked_count + 1
  end
end
local written = 0
for _, letter in ipairs(dead) do
  if acked[letter.source] then
    redis.call('XADD', KEYS[3], '*', unpack(letter.fields))
    written = written + 1
    acked[letter.source] = nil
  end
end
-- In chunks: unpack() of more than about 8,000 values overflows Lua's C stack ("too many results to unpack").
local CHUNK = 1000
for from = 1, #ids, CHUNK do
  redis.call('XDEL', KEYS[1], unpack(ids, from, math.min(from + CHUNK - 1, #ids)))
end
return { acked_count, written }
