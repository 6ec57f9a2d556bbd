-- Hand back what send_scope.lua counted for a send that did not happen: another step or the
-- risk signals stopped it, or its SMS never left (a withdrawn code). Never below zero.
-- KEYS: 1 the counter, 2 the risk record, 3 the record's sources in the send's bucket (one
--       slot; an unused one repeats KEYS[1])
-- ARGV: 1 1 to take one from the counter, 2 the source's field ('' without a record), 3 the
--       sends one source adds to the record per window
if ARGV[1] == '1' and tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
if ARGV[2] ~= '' then
  local n = tonumber(redis.call('HGET', KEYS[3], ARGV[2]) or '0')
  if n > 0 then
    redis.call('HINCRBY', KEYS[3], ARGV[2], -1)
    -- The n-th send of the source was in the record only within the cap.
    if n <= tonumber(ARGV[3]) and tonumber(redis.call('HGET', KEYS[2], 's') or '0') > 0 then
      redis.call('HINCRBY', KEYS[2], 's', -1)
    end
  end
end
return 1
