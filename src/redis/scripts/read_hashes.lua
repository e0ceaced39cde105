--- @keys tasks
--[[
  Reads fields of the given hashes (tasks, or hashes written with writeHashes).
  Input:  KEYS[1] the network's task list: not read; it routes the call to the network's hash
          slot, which every hash below shares (their keys carry the network's hash tag)
          ARGV[1] hash prefix  ARGV[2] n, the number of fields  ARGV[3 .. 2+n] fields
          ARGV[3+n ..] keys
  Output: per key: 1 if its hash exists else 0, then the value of each field.
]]
local prefix = ARGV[1]
local n = tonumber(ARGV[2])
local out = {}
for i = 3 + n, #ARGV do
  local hash = prefix .. ARGV[i]
  local values = redis.call('HMGET', hash, unpack(ARGV, 3, 2 + n))
  local exists = 0
  for j = 1, n do
    if values[j] then exists = 1 break end
  end
  if exists == 0 then exists = redis.call('EXISTS', hash) end
  out[#out + 1] = exists
  for j = 1, n do
    out[#out + 1] = values[j]
  end
end
return out
