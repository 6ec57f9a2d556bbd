-- The phone's step of a send (send_scope.lua is the shared scopes' step): refuse while the
-- phone is locked, cooling down or out of sends; otherwise count the send, start the cooldown
-- and store the code, keeping what it replaced so that send_undo.lua can put it back when the
-- send does not go ahead. Every key carries the phone's hash tag: one cluster slot.
-- KEYS: 1 code hash, 2 cooldown, 3 send window counter, 4 daily counter, 5 lock, 6 undo record,
--       7 the returning mark (verify.lua sets it on a login)
-- ARGV: 1 code MAC, 2 session id, 3 code TTL, 4 cooldown seconds, 5 window seconds,
--       6 sends per window, 7 sends per day, 8 the undo record's seconds
-- Returns {outcome, retry_after, returning}: issued (retry 0), or locked, cooldown, window or
-- day with the seconds to wait; returning is 1 when the number logged in recently, which lets
-- its send past the breakers and the shared budgets (auth_core::risk::judge).
local returning = redis.call('EXISTS', KEYS[7])
local function limited(outcome, key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = 1 end
  return {outcome, ttl, returning}
end
local function count(key, window)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
end

if redis.call('EXISTS', KEYS[5]) == 1 then return limited('locked', KEYS[5]) end
if redis.call('EXISTS', KEYS[2]) == 1 then return limited('cooldown', KEYS[2]) end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[6]) then return limited('window', KEYS[3]) end
if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[7]) then return limited('day', KEYS[4]) end

count(KEYS[3], ARGV[5])
count(KEYS[4], 86400)
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[2], '1', 'EX', ARGV[4]) end
-- The undo record: this send's MAC, and the code it replaces with its time left.
local prior = redis.call('HMGET', KEYS[1], 'mac', 'sid', 'attempts')
local prior_ms = redis.call('PTTL', KEYS[1])
redis.call('DEL', KEYS[6])
redis.call('HSET', KEYS[6], 'mac', ARGV[1])
if prior[1] and prior_ms > 0 then
  redis.call('HSET', KEYS[6], 'pmac', prior[1], 'psid', prior[2], 'pattempts', prior[3], 'pms', prior_ms)
end
redis.call('EXPIRE', KEYS[6], ARGV[8])
-- A new code replaces the earlier one, attempts and all.
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'mac', ARGV[1], 'sid', ARGV[2], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {'issued', 0, returning}
