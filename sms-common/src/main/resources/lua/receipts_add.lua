-- Appends delivery receipts to the receipts stream in one call (a provider may hand over a whole batch).
-- KEYS[1] the stream (sms:receipts)
-- ARGV: 5 values per receipt: provider id, stat, done (epoch ms or ""), err, received at (epoch ms)
-- Returns the number of receipts appended.
local n = 0
for i = 1, #ARGV, 5 do
  redis.call('XADD', KEYS[1], '*', 'id', ARGV[i], 'stat', ARGV[i + 1], 'done', ARGV[i + 2], 'err', ARGV[i + 3],
    'at', ARGV[i + 4])
  n = n + 1
end
return n
