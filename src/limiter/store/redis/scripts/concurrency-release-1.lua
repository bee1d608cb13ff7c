--[[
  Concurrency release: frees the slot a lease holds (see concurrency-acquire-1.lua). Idempotent:
  an unknown, already released or expired lease frees nothing.

  Input:
    KEYS[1]   the leases: a sorted set of lease ids scored by expiry (epoch ms)
    ARGV[1]   leaseId

  Expired leases are trimmed too, so a key whose last live lease is released goes at once rather
  than when it expires.

  Output: 1 when a live lease was freed; 0 otherwise (an expired one is removed but held nothing:
  its request outlived its lease).
]]
--- @include "includes/clock"
local expiry = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1]))
local released = 0
if expiry then
  redis.call('ZREM', KEYS[1], ARGV[1])
  if expiry > now then released = 1 end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return released
