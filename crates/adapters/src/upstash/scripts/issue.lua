-- Store a new code for a phone, if every limit allows it; count the send. One atomic step.
-- KEYS: 1 code hash, 2 cooldown, 3 send window counter, 4 daily counter, 5 lock, 6 client IP counter,
--       7 the country's send counter, 8 the service's send counter
-- ARGV: 1 code MAC, 2 session id, 3 code TTL, 4 cooldown seconds, 5 window seconds,
--       6 sends per window, 7 sends per day, 8 IP window seconds, 9 IP sends per window,
--       10 the country's budget, 11 its window seconds, 12 the service's budget, 13 its window
-- Returns {outcome, retry_after_seconds}: outcome is issued, locked, cooldown, window, day, ip,
-- country or global.
local function limited(outcome, key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = 1 end
  return {outcome, ttl}
end
local function count(key, window)
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, window) end
end

if redis.call('EXISTS', KEYS[5]) == 1 then return limited('locked', KEYS[5]) end
if redis.call('EXISTS', KEYS[2]) == 1 then return limited('cooldown', KEYS[2]) end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[6]) then return limited('window', KEYS[3]) end
if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[7]) then return limited('day', KEYS[4]) end
if tonumber(redis.call('GET', KEYS[6]) or '0') >= tonumber(ARGV[9]) then return limited('ip', KEYS[6]) end
if tonumber(redis.call('GET', KEYS[7]) or '0') >= tonumber(ARGV[10]) then return limited('country', KEYS[7]) end
if tonumber(redis.call('GET', KEYS[8]) or '0') >= tonumber(ARGV[12]) then return limited('global', KEYS[8]) end

count(KEYS[3], ARGV[5])
count(KEYS[4], 86400)
count(KEYS[6], ARGV[8])
count(KEYS[7], ARGV[11])
count(KEYS[8], ARGV[13])
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[2], '1', 'EX', ARGV[4]) end
-- A new code replaces the earlier one, attempts and all.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'mac', ARGV[1], 'sid', ARGV[2], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {'issued', 0}
