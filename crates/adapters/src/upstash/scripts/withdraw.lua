-- Withdraw a code whose SMS could not be sent: delete it (only if it is still that code) and its
-- resend cooldown, so the user can ask again at once. When it was, the store then hands the
-- send's count in the risk records back, in the records' own slots (send_refund.lua).
-- KEYS: 1 code hash, 2 cooldown (the phone's slot).
-- ARGV: 1 code MAC.
if redis.call('HGET', KEYS[1], 'mac') == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  return 1
end
return 0
