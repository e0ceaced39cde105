#!lua flags=no-writes
--- @keys workers runningWorkers
--[[
  Reads the registry of workers.
  Input:  KEYS[1] workers (sorted set)  KEYS[2] running workers (set)
          ARGV[1] worker info prefix
  Output: per worker in registration order: id, 1 if running else 0, pid, hostname,
          heartbeat ('1' or '0').
]]
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local info = redis.call('HMGET', ARGV[1] .. id, 'pid', 'hostname', 'heartbeat')
  out[#out + 1] = id
  out[#out + 1] = redis.call('SISMEMBER', KEYS[2], id)
  out[#out + 1] = info[1]
  out[#out + 1] = info[2]
  out[#out + 1] = info[3]
end
return out
