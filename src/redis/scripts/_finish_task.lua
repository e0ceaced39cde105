-- The one way a script finishes a task (included by finish_tasks and complete_and_pop, after
-- _msgpack.lua and _fail_task.lua): take it out of the running set (first writer wins: false
-- when it was not running, or when `caller` ran an earlier try of it and not the current one),
-- append its record (its values, results and finish time) to the finished-records log, and
-- rebuild its hash without the values, holding the record's place instead.

-- What a finish reads of the hash, in one HMGET: the record's fields, then what may_settle
-- needs beyond worker_id.
local RAN_BY, STATE = #RECORD_FIELDS + 1, #RECORD_FIELDS + 2
local FINISH_READ = { 'ran_by', 'state' }
for i = 1, #RECORD_FIELDS do FINISH_READ[i] = RECORD_FIELDS[i] end
FINISH_READ[RAN_BY], FINISH_READ[STATE] = 'ran_by', 'state'
-- The longest value a hash keeps compact (Redis's default hash-max-listpack-value).
local COMPACT_VALUE = 64

local function finish_task(task_prefix, running, finished, records, key, ys, ys_extra, caller)
  local hash = task_prefix .. key
  local v = redis.call('HMGET', hash, unpack(FINISH_READ))
  -- may_settle (_fail_task.lua), on what was read already: one HMGET fewer per finish.
  if not may_settle_with(caller, v[RAN_BY], v[6], v[STATE]) then return false end
  if redis.call('SREM', running, key) == 0 then return false end
  -- A hash whose values are all short is (by Redis's default) a compact listpack already: it
  -- keeps its other fields where they are. One with a long value is rebuilt.
  local compact = true
  for i = 1, 5 do
    if v[i] and #v[i] > COMPACT_VALUE then compact = false end
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
    store_without_values(hash, redis.call('HGETALL', hash), set)
  end
  return true
end
