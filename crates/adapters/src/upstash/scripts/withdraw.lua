-- Withdraw a code whose SMS could not be sent: delete it (only if it is still that code) and its
-- resend cooldown, so the user can ask again at once, and take its send back out of the risk
-- records (a code nobody received is not a send the breakers should judge).
-- KEYS: 1 code hash, 2 cooldown, 3 the calling code's risk record, 4 the network's.
-- ARGV: 1 code MAC, 2 1 when the caller's network is known.
if redis.call('HGET', KEYS[1], 'mac') == ARGV[1] then
  redis.call('DEL', KEYS[1], KEYS[2])
  local records = {KEYS[3]}
  if ARGV[2] == '1' then table.insert(records, KEYS[4]) end
  for _, key in ipairs(records) do
    if tonumber(redis.call('HGET', key, 's') or '0') > 0 then redis.call('HINCRBY', key, 's', -1) end
  end
  return 1
end
return 0
