--[[
  Stores the snapshot a node loaded from Postgres, unless a newer one is already there: a node that
  reloads late must never roll other nodes back to an older snapshot.

  Input:
    KEYS[1]   the snapshot hash (fields: version, rules, sections)
    ARGV[1]   the rules version of this snapshot (an integer)
    ARGV[2]   the rule set, StoredRule[] as JSON (what library nodes read)
    ARGV[3]   the other sections (API keys, blocks, ...), serialized with their version inside, so a
              node that finds a `sections` field left by an older writer can tell it does not belong

  Output: 1 when stored, 0 when the stored version was the same or newer.
]]
local stored = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if tonumber(ARGV[1]) <= stored then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'rules', ARGV[2], 'sections', ARGV[3])
return 1
