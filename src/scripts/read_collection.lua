--[[
  Reads fields of the tasks in one collection, in one consistent step.
  Input:  KEYS[1] the collection (list or set)
          ARGV[1] 'list' or 'set'  ARGV[2] task hash prefix
          ARGV[3] first index  ARGV[4] last index (lists only; -1 for the end)
          ARGV[5 ..] fields to read
  Output: { size of the collection, then per task: key, 1 if its hash exists else 0,
            the value of each field }.
]]
local prefix = ARGV[2]
local keys, size
if ARGV[1] == 'list' then
  size = redis.call('LLEN', KEYS[1])
  keys = redis.call('LRANGE', KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]))
else
  keys = redis.call('SMEMBERS', KEYS[1])
  size = #keys
end
local out = { size }
local has_fields = #ARGV > 4
for _, key in ipairs(keys) do
  local hash = prefix .. key
  out[#out + 1] = key
  if has_fields then
    local values = redis.call('HMGET', hash, unpack(ARGV, 5))
    local exists = 0
    for i = 1, #values do
      if values[i] then exists = 1 break end
    end
    if exists == 0 then exists = redis.call('EXISTS', hash) end
    out[#out + 1] = exists
    for i = 1, #values do
      out[#out + 1] = values[i]
    end
  else
    out[#out + 1] = redis.call('EXISTS', hash)
  end
end
return out
