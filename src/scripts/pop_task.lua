--[[
  Takes a task and marks it running, in one step. Without a key: the first task left in this
  caller's pending list (a blocking pop whose reply was lost to a broken connection), else the
  head of the queue. With a key: that task, which a blocking pop just moved into the pending
  list, unless another actor has failed it meanwhile.
  Input:  KEYS[1] pending (list)  KEYS[2] queued (list)  KEYS[3] running (set)
          ARGV[1] task hash prefix  ARGV[2] worker id ('' for none)
          ARGV[3] key to claim from the pending list ('' to take one)  ARGV[4 ..] fields to return
  Output: nil when there is no task (or the claimed one is gone), else { key, value of each field }.
]]
local key = ARGV[3]
if key ~= '' then
  if redis.call('LREM', KEYS[1], 1, key) == 0 then
    return false
  end
else
  key = redis.call('LPOP', KEYS[1]) or redis.call('LPOP', KEYS[2])
  if not key then
    return false
  end
end
local hash = ARGV[1] .. key
redis.call('SADD', KEYS[3], key)
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
