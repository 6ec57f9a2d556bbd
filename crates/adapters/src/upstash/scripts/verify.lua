-- Check one login attempt against the phone's code; count it; consume the code on success.
-- One atomic step, so two racing requests with the right code cannot both succeed and every
-- wrong guess is counted.
-- KEYS: 1 code hash, 2 consecutive failures counter, 3 lock, 4 client IP counter
-- ARGV: 1 code MAC, 2 session id, 3 max attempts per code, 4 failures before lock,
--       5 lock seconds, 6 IP window seconds, 7 IP logins per window
-- Returns {outcome, number}: verified; missing; mismatch with attempts left; burned;
-- locked or ip with the seconds to wait.
local function limited(outcome, key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = 1 end
  return {outcome, ttl}
end

if redis.call('EXISTS', KEYS[3]) == 1 then return limited('locked', KEYS[3]) end
local from_ip = redis.call('INCR', KEYS[4])
if from_ip == 1 then redis.call('EXPIRE', KEYS[4], ARGV[6]) end
if from_ip > tonumber(ARGV[7]) then return limited('ip', KEYS[4]) end

local stored = redis.call('HMGET', KEYS[1], 'mac', 'sid')
if not stored[1] then return {'missing', 0} end
-- The MAC is keyed by a server secret: a client cannot compute one, so comparing MACs leaks
-- nothing useful about the code through timing.
if stored[1] == ARGV[1] and stored[2] == ARGV[2] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'verified', 0}
end

local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
-- Consecutive failures across codes; a day without failures forgets them.
local failures = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 86400)
if failures >= tonumber(ARGV[4]) then
  redis.call('SET', KEYS[3], '1', 'EX', ARGV[5])
  redis.call('DEL', KEYS[2], KEYS[1])
  return {'burned', 0}
end
if attempts >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {'burned', 0}
end
return {'mismatch', tonumber(ARGV[3]) - attempts}
