-- Count a verified login in one risk record (the calling code's or the network's), in the
-- bucket of the record's latest send, which is this code's or one after it, by source as
-- send_scope.lua counts sends: one source adds at most its cap of logins per window, so one
-- address logging in again and again cannot hold a record's conversion up. A record that
-- expired is not brought back by a login alone.
-- KEYS: 1 the risk record, 2 its sources in this bucket (one slot)
-- ARGV: 1 the source's field (l:as64500), 2 the logins one source adds per window, 3 the
--       sources' lifetime in seconds
if redis.call('EXISTS', KEYS[1]) == 1 then
  local n = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  if n <= tonumber(ARGV[2]) then redis.call('HINCRBY', KEYS[1], 'l', 1) end
end
return 1
