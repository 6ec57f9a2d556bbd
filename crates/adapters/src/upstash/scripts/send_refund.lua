-- Hand back what send_scope.lua counted for a send that did not happen: another step refused
-- it, or its SMS never left (a withdrawn code). Never below zero.
-- KEYS: 1 the counter, 2 the risk record (one slot; an unused one repeats the other)
-- ARGV: 1 1 to take one from the counter, 2 1 to take one send from the record
if ARGV[1] == '1' and tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
if ARGV[2] == '1' and tonumber(redis.call('HGET', KEYS[2], 's') or '0') > 0 then
  redis.call('HINCRBY', KEYS[2], 's', -1)
end
return 1
