-- Check one login attempt against the phone's code; count it; consume the code on success.
-- One atomic step, so two racing requests with the right code cannot both succeed and every
-- wrong guess is counted. Every key is the phone's: one cluster slot. The client's address is
-- counted in the same pipeline (otp_store/check.rs puts the two answers together), and a
-- success is counted in the risk records after it (record_login.lua).
-- KEYS: 1 code hash, 2 consecutive failures counter, 3 lock, 4 locks so far, 5 the phone's
--       counter of logins without the code's session, 6 the returning mark (send_phone.lua
--       reads it), 7 the account the number's last login reached (the login sets it)
-- ARGV: 1 code MAC, 2 session id, 3 max attempts per code, 4 failures before lock,
--       5 first lock seconds, 6 such logins per phone per window, 7 their window seconds,
--       8 how long a login marks the number returning (0: never)
-- Returns {outcome, number}: verified (with the remembered account as a third item, false
-- when there is none); missing; mismatch with attempts left; burned; locked or guesses with
-- the seconds to wait.
local function limited(outcome, key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = 1 end
  return {outcome, ttl}
end

if redis.call('EXISTS', KEYS[3]) == 1 then return limited('locked', KEYS[3]) end

local stored = redis.call('HMGET', KEYS[1], 'mac', 'sid')
if not stored[1] or stored[2] ~= ARGV[2] then
  -- Not the session the code was sent to: a stranger (who cannot know that session) or a
  -- client that lost its state. It must not be able to burn the code or lock the phone, so
  -- neither moves; it counts against the address (beside) and a per-phone budget that only a
  -- flood reaches. No code and another session's code take this same path, so a stranger
  -- cannot tell them apart.
  local guesses = redis.call('INCR', KEYS[5])
  if guesses == 1 then redis.call('EXPIRE', KEYS[5], ARGV[7]) end
  if guesses > tonumber(ARGV[6]) then return limited('guesses', KEYS[5]) end
  return {'missing', 0}
end
-- The MAC is keyed by a server secret: a client cannot compute one, so comparing MACs leaks
-- nothing useful about the code through timing.
if stored[1] == ARGV[1] then
  -- Only a success forgets the failures and the locks.
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[4])
  if tonumber(ARGV[8]) > 0 then redis.call('SET', KEYS[6], '1', 'EX', ARGV[8]) end
  return {'verified', 0, redis.call('GET', KEYS[7])}
end

local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
-- Consecutive failures across codes and across locks: only a success resets them (the keys
-- live 30 days from the last failure, so an abandoned phone's counters go away).
local failures = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 2592000)
if failures >= tonumber(ARGV[4]) then
  -- From the ceiling on, every further failure locks again, each lock twice as long as the
  -- last, up to a day (or the first lock, when that is set longer).
  local locks = redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 2592000)
  local first = tonumber(ARGV[5])
  local seconds = math.min(first * 2 ^ (locks - 1), math.max(86400, first))
  redis.call('SET', KEYS[3], '1', 'EX', math.floor(seconds))
  redis.call('DEL', KEYS[1])
  return {'burned', 0}
end
if attempts >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  return {'burned', 0}
end
return {'mismatch', tonumber(ARGV[3]) - attempts}
