-- Withdraw a code whose SMS could not be sent: delete it (only if it is still that code) and its
-- resend cooldown, so the user can ask again at once.
-- KEYS: 1 code hash, 2 cooldown. ARGV: 1 code MAC.
if redis.call('HGET', KEYS[1], 'mac') == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
