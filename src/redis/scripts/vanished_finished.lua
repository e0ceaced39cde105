#!lua flags=no-writes
--- @keys finished
--[[
  Finds finished tasks whose hash has vanished (deleted, evicted), so readers of the
  finished-records log can drop them. EXISTS counts many keys at once; only a shortfall needs a
  look at each key.
  Input:  KEYS[1] finished (list)  ARGV[1] task hash prefix  ARGV[2] first index  ARGV[3] last index
  Output: the keys among finished[first..last] whose hash does not exist.
]]
local prefix = ARGV[1]
local keys = redis.call('LRANGE', KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]))
local missing = {}
local BATCH = 4000
for start = 1, #keys, BATCH do
  local hashes = {}
  local last = math.min(#keys, start + BATCH - 1)
  for i = start, last do hashes[#hashes + 1] = prefix .. keys[i] end
  if redis.call('EXISTS', unpack(hashes)) < #hashes then
    for i = start, last do
      if redis.call('EXISTS', prefix .. keys[i]) == 0 then missing[#missing + 1] = keys[i] end
    end
  end
end
return missing
