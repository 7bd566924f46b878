-- Deletes every key under a prefix in one atomic step, as an emptied or replaced database looks to the
-- service: no reader or writer sees half of it gone. Test fixture only: it finds its keys by SCAN (not
-- KEYS), which a single local Redis allows and a production script must never do.
-- ARGV[1]: the pattern, e.g. `<prefix>:*`. Returns how many keys it deleted.
local cursor, deleted = '0', 0
repeat
  local reply = redis.call('SCAN', cursor, 'MATCH', ARGV[1], 'COUNT', 1000)
  cursor = reply[1]
  for _, key in ipairs(reply[2]) do
    redis.call('UNLINK', key)
    deleted = deleted + 1
  end
until cursor == '0'
return deleted
