-- The one way a script finishes a task (included by finish_tasks and complete_and_pop; needs
-- _msgpack.lua): take it out of the running set (first writer wins: false when it was not
-- running), store its results, append its record to the finished-records log and remember the
-- record's place in the task's hash.
local function finish_task(task_prefix, running, finished, records, key, ys, ys_extra)
  if redis.call('SREM', running, key) == 0 then return false end
  local hash = task_prefix .. key
  local stored = redis.call('HMGET', hash, 'xs', 'xs_extra', 'ys_extra', 'condition', 'worker_id')
  if ys_extra then stored[3] = ys_extra end
  local index = redis.call('RPUSH', finished, key) - 1
  redis.call('RPUSH', records, mp_record(key, stored[1], ys, stored[2], stored[3], stored[4], stored[5]))
  if ys_extra then
    redis.call('HSET', hash, 'state', 'finished', 'ys', ys, 'ys_extra', ys_extra, RECORD_INDEX, index)
  else
    redis.call('HSET', hash, 'state', 'finished', 'ys', ys, RECORD_INDEX, index)
  end
  return true
end
