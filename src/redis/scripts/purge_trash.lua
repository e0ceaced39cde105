--- @keys trash
--[[
  Deletes the hashes of tasks a reset put in the trash, at most `budget` of them per call, so
  that no call holds the server for long; a trash list or set that is empty leaves the trash.
  Input:  KEYS[1] trash (set of renamed lists and sets of task keys)
          ARGV[1] task hash prefix  ARGV[2] budget (keys per call, at most 7,000)
  Output: the number of trash entries left.
]]
local budget = tonumber(ARGV[2])
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local kind = redis.call('TYPE', entry).ok
  local keys = false
  if kind == 'list' then
    keys = redis.call('LPOP', entry, budget)
  elseif kind == 'set' then
    keys = redis.call('SPOP', entry, budget)
  end
  if keys and #keys > 0 then
    local hashes = {}
    for i, key in ipairs(keys) do hashes[i] = ARGV[1] .. key end
    redis.call('UNLINK', unpack(hashes))
    budget = budget - #keys
  end
  if redis.call('EXISTS', entry) == 0 then redis.call('SREM', KEYS[1], entry) end
  if budget <= 0 then break end
end
return redis.call('SCARD', KEYS[1])
