--[[
  Marks running a task that a blocking pop moved into this worker's pending list.
  Input:  KEYS[1] pending (list)  KEYS[2] running (set)
          ARGV[1] task hash prefix  ARGV[2] worker id ('' for none)  ARGV[3] task key
          ARGV[4 ..] fields to return
  Output: nil when the task is no longer pending (another actor failed it meanwhile),
          else { key, value of each field }.
]]
local key = ARGV[3]
if redis.call('LREM', KEYS[1], 1, key) == 0 then
  return false
end
local hash = ARGV[1] .. key
redis.call('SADD', KEYS[2], key)
if ARGV[2] ~= '' then
  redis.call('HSET', hash, 'state', 'running', 'worker_id', ARGV[2])
else
  redis.call('HSET', hash, 'state', 'running')
end
local out = { key }
if #ARGV > 3 then
  local values = redis.call('HMGET', hash, unpack(ARGV, 4))
  for i = 1, #values do
    out[i + 1] = values[i]
  end
end
return out
