--[[
  Moves running tasks to finished, stores their results, and appends each one's record to the
  finished-records log (remembering its place in the task's hash). First writer wins: a task
  that is no longer running is left as it is.
  (Uses the helpers of _msgpack.lua.)
  Input:  KEYS[1] running (set)  KEYS[2] finished (list)  KEYS[3] finished records (list)
          ARGV[1] task hash prefix  ARGV[2] events channel
          then per task: its key, its encoded ys, its encoded ys_extra ('' for none)
  Output: the keys that moved, in input order.
]]
local prefix = ARGV[1]
local moved = {}
for i = 3, #ARGV, 3 do
  local key, ys, ys_extra = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if ys_extra == '' then ys_extra = nil end
  if redis.call('SREM', KEYS[1], key) == 1 then
    local hash = prefix .. key
    local stored = redis.call('HMGET', hash, 'xs', 'xs_extra', 'ys_extra', 'condition', 'worker_id')
    if ys_extra then stored[3] = ys_extra end
    local index = redis.call('RPUSH', KEYS[2], key) - 1
    redis.call('RPUSH', KEYS[3], mp_record(key, stored[1], ys, stored[2], stored[3], stored[4], stored[5]))
    if ys_extra then
      redis.call('HSET', hash, 'state', 'finished', 'ys', ys, 'ys_extra', ys_extra, RECORD_INDEX, index)
    else
      redis.call('HSET', hash, 'state', 'finished', 'ys', ys, RECORD_INDEX, index)
    end
    moved[#moved + 1] = key
  end
end
if #moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'finished')
end
return moved
