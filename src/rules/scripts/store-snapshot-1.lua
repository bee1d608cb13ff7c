--[[
  Stores the compiled rule set for library-only nodes, unless a newer one is already there: a node
  that reloads late must never roll the library nodes back to an older rule set.

  Input:
    KEYS[1]   the snapshot hash (fields: version, rules)
    ARGV[1]   the rules version of this rule set (an integer)
    ARGV[2]   the rule set, StoredRule[] as JSON

  Output: 1 when stored, 0 when the stored version was the same or newer.
]]
local stored = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if tonumber(ARGV[1]) <= stored then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'rules', ARGV[2])
return 1
