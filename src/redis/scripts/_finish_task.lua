-- The one way a script finishes a task (included by finish_tasks and complete_and_pop, after
-- _msgpack.lua and _fail_task.lua): take it out of the running set (first writer wins: false
-- when it was not running, or when `caller` ran an earlier try of it and not the current one),
-- append its record (its values, results and finish time) to the finished-records log, and
-- rebuild its hash without the values, holding the record's place instead.
local function finish_task(task_prefix, running, finished, records, key, ys, ys_extra, caller)
  local hash = task_prefix .. key
  if not may_settle(hash, caller) then return false end
  if redis.call('SREM', running, key) == 0 then return false end
  -- A hash of small values is a listpack already: it keeps its other fields where they are.
  local compact = redis.call('OBJECT', 'ENCODING', hash) == 'listpack'
  local v, all
  if compact then
    v = redis.call('HMGET', hash, unpack(RECORD_FIELDS))
  else
    all = redis.call('HGETALL', hash)
    local held = {}
    for i = 1, #all, 2 do held[all[i]] = all[i + 1] end
    v = {}
    for i, field in ipairs(RECORD_FIELDS) do v[i] = held[field] end
  end
  local finished_at = mp_float(now_ms())
  v[2] = ys
  if ys_extra then v[4] = ys_extra end
  v[9] = finished_at
  redis.call('RPUSH', finished, key)
  local record, shape = mp_record(key, v)
  -- The place is where the record is, even in a log a foreign writer cut short.
  local place = mp_place(shape, redis.call('RPUSH', records, record) - 1)
  local set = { 'state', 'finished', 'finished_at', finished_at, RECORD_INDEX, place }
  if compact then
    redis.call('HDEL', hash, 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition')
    redis.call('HSET', hash, unpack(set))
  else
    store_without_values(hash, all, set)
  end
  return true
end
