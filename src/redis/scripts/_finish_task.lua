-- The one way a script finishes a task (included by finish_tasks and complete_and_pop, after
-- _msgpack.lua and _fail_task.lua): take it out of the running set (first writer wins: false
-- when it was not running, or when `caller` ran an earlier try of it and not the current one),
-- store its results and finish time, append its record to the finished-records log and
-- remember the record's place in the task's hash.
local function finish_task(task_prefix, running, finished, records, key, ys, ys_extra, caller)
  local hash = task_prefix .. key
  if not may_settle(hash, caller) then return false end
  if redis.call('SREM', running, key) == 0 then return false end
  local v = redis.call('HMGET', hash, unpack(RECORD_FIELDS))
  local finished_at = mp_float(now_ms())
  v[2] = ys
  if ys_extra then v[4] = ys_extra end
  v[9] = finished_at
  local index = redis.call('RPUSH', finished, key) - 1
  redis.call('RPUSH', records, mp_record(key, v))
  if ys_extra then
    redis.call('HSET', hash, 'state', 'finished', 'ys', ys, 'ys_extra', ys_extra, 'finished_at', finished_at, RECORD_INDEX, index)
  else
    redis.call('HSET', hash, 'state', 'finished', 'ys', ys, 'finished_at', finished_at, RECORD_INDEX, index)
  end
  return true
end
