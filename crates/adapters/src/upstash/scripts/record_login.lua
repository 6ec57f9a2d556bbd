-- Count a verified login in one risk record (the calling code's or the network's), in the
-- bucket of the record's latest send, which is this code's or one after it. A record that
-- expired is not brought back by a login alone.
-- KEYS: 1 the risk record
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'l', 1) end
return 1
