-- The risk records of send_scope.lua (prepended to it). They repeat the
-- arithmetic of auth_core::risk::counters, which the OTP store's contract holds both to.
-- One hash per scope (a calling code, a network): b the current bucket (now / window), s and l
-- its sends and logins, ps and pl the previous bucket's, u when an open breaker closes (0:
-- closed). Every product is an integer times the window, so no rounding differs from Rust's.
local function risk_load(key, now, window)
  local v = redis.call('HMGET', key, 'b', 's', 'l', 'ps', 'pl', 'u')
  local r = {b = tonumber(v[1]) or 0, s = tonumber(v[2]) or 0, l = tonumber(v[3]) or 0,
             ps = tonumber(v[4]) or 0, pl = tonumber(v[5]) or 0, u = tonumber(v[6]) or 0}
  local bucket = math.floor(now / window)
  if bucket ~= r.b then
    if bucket == r.b + 1 then r.ps, r.pl = r.s, r.l else r.ps, r.pl = 0, 0 end
    r.s, r.l, r.b = 0, 0, bucket
  end
  return r
end

-- Sends and logins over the last window, times the window.
local function risk_estimate(r, now, window)
  local left = window - (now - r.b * window)
  return r.ps * left + r.s * window, r.pl * left + r.l * window
end

-- Kept two windows and a cool-off: long enough for the previous bucket and an open breaker.
local function risk_save(key, r, window, cooloff)
  redis.call('HSET', key, 'b', r.b, 's', r.s, 'l', r.l, 'ps', r.ps, 'pl', r.pl, 'u', r.u)
  redis.call('EXPIRE', key, 2 * window + cooloff)
end

-- Counts one send of a source in the record's sources of this bucket (a hash: field s:as64500
-- its sends); true while the source is within its cap, the only sends the record counts. So
-- one source (a network, an address) cannot move a record on its own.
local function risk_by_source(key, field, cap, window)
  local n = redis.call('HINCRBY', key, field, 1)
  redis.call('EXPIRE', key, 2 * window)
  return n <= tonumber(cap)
end
