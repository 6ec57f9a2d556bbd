-- One shared scope's step of a send (send_phone.lua is the phone's): a counter (the client's
-- address, the service's budget), a risk record (the network's), or both (the calling code's
-- budget and record, under one hash tag). Refuses when the counter is at its limit or an asked
-- risk signal fires; otherwise counts the send in both. The store combines the steps' answers
-- and hands back what a step counted when another step refused (send_refund.lua). risk.lua,
-- prepended, has the records' functions.
-- KEYS: 1 the counter, 2 the risk record (both of one slot; an unused one repeats the other)
-- ARGV: 1 the counter's limit (-1: no counter), 2 its window seconds, 3 the send's time (unix
--       seconds, from the worker: scripts stay deterministic), 4 the risk window seconds (0: no
--       record), 5 breaker minimum sends, 6 its minimum conversion percent, 7 its cool-off
--       seconds, 8 the breaker's action ('allow': not asked), 9 the volume budget (0: none),
--       10 its action (actions: allow, challenge or refuse), 11 1 when the caller passed a bot
--       check, 12 the breaker's reason (calling_code_breaker or asn_breaker)
-- Returns {'counted', count, ttl} (the counter's count and seconds left; 0 0 without one),
-- {'over', ttl}, or {'risky', retry_after, action, reason, tripped (0/1)}: the strictest hit,
-- the breaker's among equals.
local limit = tonumber(ARGV[1])
if limit >= 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= limit then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return {'over', ttl}
end

local window = tonumber(ARGV[4])
if window > 0 then
  local now, cooloff = tonumber(ARGV[3]), tonumber(ARGV[7])
  local human = ARGV[11] == '1'
  local function asks(action)
    return action ~= 'allow' and not (action == 'challenge' and human)
  end
  local r = risk_load(KEYS[2], now, window)
  local hit, tripped = nil, 0
  if asks(ARGV[8]) then
    if r.u > now then
      hit = {ARGV[8], ARGV[12], r.u - now}
    else
      local sends, logins = risk_estimate(r, now, window)
      if sends >= tonumber(ARGV[5]) * window and logins * 100 < sends * tonumber(ARGV[6]) then
        r.s, r.l, r.ps, r.pl, r.u = 0, 0, 0, 0, now + cooloff
        tripped = 1
        hit = {ARGV[8], ARGV[12], cooloff}
      end
    end
  end
  local budget = tonumber(ARGV[9])
  if budget > 0 and asks(ARGV[10]) then
    local sends = risk_estimate(r, now, window)
    if sends >= budget * window then
      local left = window - (now - r.b * window)
      if left < 1 then left = 1 end
      if not hit or (ARGV[10] == 'refuse' and hit[1] ~= 'refuse') then
        hit = {ARGV[10], 'asn_volume', left}
      end
    end
  end
  if not hit then r.s = r.s + 1 end
  risk_save(KEYS[2], r, window, cooloff)
  if hit then return {'risky', hit[3], hit[1], hit[2], tripped} end
end

if limit < 0 then return {'counted', 0, 0} end
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then ttl = 1 end
return {'counted', count, ttl}
