--[[
  The keys of the queued tasks in one step: the queue in pop order, then the delayed tasks
  (retries waiting for their backoff) in the order they become due.
  Input:  KEYS[1] queued (list)  KEYS[2] delayed (sorted set)
          ARGV[1] 'count' for the number of them only, else 'keys'
  Output: the keys, or their number.
]]
if ARGV[1] == 'count' then
  return redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
end
local keys = redis.call('LRANGE', KEYS[1], 0, -1)
for _, key in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do keys[#keys + 1] = key end
return keys
