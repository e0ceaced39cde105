--[[
  Takes a task and marks it running, in one step: first one left in this caller's pending list
  (a blocking pop whose reply was lost to a broken connection), else the head of the queue.
  Input:  KEYS[1] pending (list)  KEYS[2] queued (list)  KEYS[3] running (set)
          ARGV[1] task hash prefix  ARGV[2] worker id ('' for none)  ARGV[3 ..] fields to return
  Output: nil when the queue is empty, else { key, value of each field }.
]]
local key = redis.call('LPOP', KEYS[1]) or redis.call('LPOP', KEYS[2])
if not key then
  return false
end
local hash = ARGV[1] .. key
redis.call('SADD', KEYS[3], key)
if ARGV[2] ~= '' then
  redis.call('HSET', hash, 'state', 'running', 'worker_id', ARGV[2])
else
  redis.call('HSET', hash, 'state', 'running')
end
local out = { key }
if #ARGV > 2 then
  local values = redis.call('HMGET', hash, unpack(ARGV, 3))
  for i = 1, #values do
    out[i + 1] = values[i]
  end
end
return out
