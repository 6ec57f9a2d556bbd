-- One shared scope's step of a send (send_phone.lua is the phone's): a counter (the client's
-- address, the service's budget), a risk record (the network's), or both (the calling code's
-- budget and record, under one hash tag). A counter at its limit refuses and counts nothing.
-- Otherwise the send is counted in the counter, and a record says what it knows (its breaker
-- open, or tripped by this send when its sends stopped converting; the network's volume budget
-- spent) and counts the send by source. What those signals do to the send is decided by the
-- store with auth_core::risk::judge, which hands back (send_refund.lua) what the steps counted
-- when the send does not go ahead. risk.lua, prepended, has the records' functions.
-- KEYS: 1 the counter, 2 the risk record, 3 the record's sources in this bucket (all of one
--       slot; an unused one repeats KEYS[1])
-- ARGV: 1 the counter's limit (-1: no counter), 2 its window seconds, 3 the send's time (unix
--       seconds, from the worker: scripts stay deterministic), 4 the risk window seconds (0: no
--       record), 5 breaker minimum sends, 6 its minimum conversion percent, 7 its cool-off
--       seconds, 8 the volume budget (0: none), 9 the source's field (s:as64500), 10 the sends
--       one source adds to the record per window
-- Returns {'over', ttl}, or {'counted', count, ttl, open, tripped, volume}: the counter's count
-- and seconds left (0 0 without one), the seconds until an open breaker closes (0: closed),
-- 1 when this send tripped it, and the seconds until a spent volume budget's window ends (0:
-- within it).
local limit = tonumber(ARGV[1])
if limit >= 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= limit then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl < 1 then ttl = 1 end
  return {'over', ttl}
end

local open, tripped, volume = 0, 0, 0
local window = tonumber(ARGV[4])
if window > 0 then
  local now, cooloff = tonumber(ARGV[3]), tonumber(ARGV[7])
  local r = risk_load(KEYS[2], now, window)
  if r.u > now then
    open = r.u - now
  else
    local sends, logins = risk_estimate(r, now, window)
    if sends >= tonumber(ARGV[5]) * window and logins * 100 < sends * tonumber(ARGV[6]) then
      r.s, r.l, r.ps, r.pl, r.u = 0, 0, 0, 0, now + cooloff
      open, tripped = cooloff, 1
    end
  end
  local budget = tonumber(ARGV[8])
  if budget > 0 then
    local sends = risk_estimate(r, now, window)
    if sends >= budget * window then
      volume = window - (now - r.b * window)
      if volume < 1 then volume = 1 end
    end
  end
  if risk_by_source(KEYS[3], ARGV[9], ARGV[10], window) then r.s = r.s + 1 end
  risk_save(KEYS[2], r, window, cooloff)
end

if limit < 0 then return {'counted', 0, 0, open, tripped, volume} end
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 1 then ttl = 1 end
return {'counted', count, ttl, open, tripped, volume}
