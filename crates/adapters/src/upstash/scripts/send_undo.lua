-- Undo a send's phone step (send_phone.lua) when a shared scope refused the send: give its
-- counts back and, if its code is still the phone's, remove that code and its cooldown and put
-- back the code it replaced, with the attempts and the time it had left. A later send's code
-- is left alone (its own cooldown with it). One slot: the phone's.
-- KEYS: 1 code hash, 2 cooldown, 3 send window counter, 4 daily counter, 5 undo record
-- ARGV: 1 the refused send's code MAC
-- Returns 1 when the code was still the send's, else 0.
local function refund(key)
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
refund(KEYS[3])
refund(KEYS[4])
local undo = redis.call('HMGET', KEYS[5], 'mac', 'pmac', 'psid', 'pattempts', 'pms')
local ours = undo[1] == ARGV[1]
if ours then redis.call('DEL', KEYS[5]) end
if redis.call('HGET', KEYS[1], 'mac') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
if ours and undo[2] then
  redis.call('HSET', KEYS[1], 'mac', undo[2], 'sid', undo[3], 'attempts', undo[4])
  redis.call('PEXPIRE', KEYS[1], undo[5])
end
return 1
