-- Appends delivery receipts to the receipts stream in one call, an entry per group of receipts.
-- KEYS[1] the stream (sms:receipts)
-- ARGV: one value per entry: its receipts, one record per line (id, stat, done, err, received at; tab-separated)
-- Returns the number of entries appended.
for i = 1, #ARGV do
  redis.call('XADD', KEYS[1], '*', 'r', ARGV[i])
end
return #ARGV
