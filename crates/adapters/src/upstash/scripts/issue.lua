-- Store a new code for a phone, if every limit and risk counter allows it; count the send.
-- One atomic step. (risk.lua, prepended, has the risk records' functions.)
-- KEYS: 1 code hash, 2 cooldown, 3 send window counter, 4 daily counter, 5 lock, 6 client IP counter,
--       7 the country's send counter, 8 the service's send counter, 9 the calling code's risk
--       record, 10 the network's risk record, 11 the open breakers (a sorted set, for metrics)
-- ARGV: 1 code MAC, 2 session id, 3 code TTL, 4 cooldown seconds, 5 window seconds,
--       6 sends per window, 7 sends per day, 8 IP window seconds, 9 IP sends per window,
--       10 the country's budget, 11 its window seconds, 12 the service's budget, 13 its window,
--       14 risk window seconds, 15 breaker minimum sends, 16 its minimum conversion percent,
--       17 its cool-off seconds, 18 the breaker's action, 19 the network's volume budget (0: none),
--       20 its action (actions: allow, challenge or refuse), 21 1 when the caller passed a bot
--       check, 22 1 when the caller's network is known, 23 and 24 the two records' names in
--       the open breakers' set, 25 the send's time (unix seconds, from the worker: scripts stay
--       deterministic)
-- Returns {outcome, retry_after_seconds}: outcome is issued, locked, cooldown, window, day, ip,
-- country or global; or {'risky', retry_after_seconds, action, reason, tripped calling code
-- (0/1), tripped network (0/1)}. Issued, cooldown, window, day and ip add the caller's quota:
-- policy, quota, window seconds, remaining, reset seconds (issued: the fewest left of the
-- phone's window, its day and the address; a refusal: its own, spent).
local function ttl_of(key)
  local ttl = redis.call('TTL', key)
  if ttl < 1 then ttl = 1 end
  return ttl
end
local function limited(outcome, key, policy, quota, window)
  local ttl = ttl_of(key)
  if policy then return {outcome, ttl, policy, tonumber(quota), tonumber(window), 0, ttl} end
  return {outcome, ttl}
end
local function count(key, window)
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, window) end
end

if redis.call('EXISTS', KEYS[5]) == 1 then return limited('locked', KEYS[5]) end
if redis.call('EXISTS', KEYS[2]) == 1 then return limited('cooldown', KEYS[2], 'cooldown', 1, ARGV[4]) end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[6]) then return limited('window', KEYS[3], 'phone', ARGV[6], ARGV[5]) end
if tonumber(redis.call('GET', KEYS[4]) or '0') >= tonumber(ARGV[7]) then return limited('day', KEYS[4], 'phone-day', ARGV[7], 86400) end
if tonumber(redis.call('GET', KEYS[6]) or '0') >= tonumber(ARGV[9]) then return limited('ip', KEYS[6], 'address', ARGV[9], ARGV[8]) end
if tonumber(redis.call('GET', KEYS[7]) or '0') >= tonumber(ARGV[10]) then return limited('country', KEYS[7]) end
if tonumber(redis.call('GET', KEYS[8]) or '0') >= tonumber(ARGV[12]) then return limited('global', KEYS[8]) end

-- The risk counters: a signal whose action is allow, or challenge for a caller who passed a
-- bot check, is not asked.
local now = tonumber(ARGV[25])
local window, cooloff = tonumber(ARGV[14]), tonumber(ARGV[17])
local human, with_asn = ARGV[21] == '1', ARGV[22] == '1'
local function asks(action)
  return action ~= 'allow' and not (action == 'challenge' and human)
end
local cc = risk_load(KEYS[9], now, window)
local asn = nil
if with_asn then asn = risk_load(KEYS[10], now, window) end
local hits, tripped = {}, {0, 0}
local function breaker(r, reason, name, slot)
  if r.u > now then
    table.insert(hits, {ARGV[18], reason, r.u - now})
    return
  end
  local sends, logins = risk_estimate(r, now, window)
  if sends < tonumber(ARGV[15]) * window or logins * 100 >= sends * tonumber(ARGV[16]) then return end
  r.s, r.l, r.ps, r.pl, r.u = 0, 0, 0, 0, now + cooloff
  redis.call('ZREMRANGEBYSCORE', KEYS[11], '-inf', now)
  redis.call('ZADD', KEYS[11], r.u, name)
  tripped[slot] = 1
  table.insert(hits, {ARGV[18], reason, cooloff})
end
if asks(ARGV[18]) then
  breaker(cc, 'calling_code_breaker', ARGV[23], 1)
  if asn then breaker(asn, 'asn_breaker', ARGV[24], 2) end
end
local budget = tonumber(ARGV[19])
if asn and budget > 0 and asks(ARGV[20]) then
  local sends = risk_estimate(asn, now, window)
  if sends >= budget * window then
    local left = window - (now - asn.b * window)
    if left < 1 then left = 1 end
    table.insert(hits, {ARGV[20], 'asn_volume', left})
  end
end
-- The strictest hit decides; among equals, the first (the calling code's).
local chosen = nil
for _, h in ipairs(hits) do
  if not chosen or (h[1] == 'refuse' and chosen[1] ~= 'refuse') then chosen = h end
end
if not chosen then
  cc.s = cc.s + 1
  if asn then asn.s = asn.s + 1 end
end
risk_save(KEYS[9], cc, window, cooloff)
if asn then risk_save(KEYS[10], asn, window, cooloff) end
if chosen then return {'risky', chosen[3], chosen[1], chosen[2], tripped[1], tripped[2]} end

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
local nearest = nil
for _, q in ipairs({{'phone', KEYS[3], ARGV[6], ARGV[5]}, {'phone-day', KEYS[4], ARGV[7], 86400},
                    {'address', KEYS[6], ARGV[9], ARGV[8]}}) do
  local left = tonumber(q[3]) - tonumber(redis.call('GET', q[2]) or '0')
  if left < 0 then left = 0 end
  if not nearest or left < nearest[4] then nearest = {q[1], tonumber(q[3]), tonumber(q[4]), left, q[2]} end
end
return {'issued', 0, nearest[1], nearest[2], nearest[3], nearest[4], ttl_of(nearest[5])}
