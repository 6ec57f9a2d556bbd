-- Record a breaker that a send tripped in the set of open breakers that GET /metrics reports
-- (member calling_code:44 or asn:64500, scored by when it closes), dropping closed ones.
-- KEYS: 1 the set. ARGV: 1 now, 2 when the breaker closes, 3 its name.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
return 1
