--- @keys tasks ofState finishedRecords
--- @include _msgpack
--[[
  Creates tasks in one state, with their creation time (and, for running and finished ones,
  their start time, for finished and failed ones their finish time: the same instant); finished
  ones also get their record in the finished-records log, which alone holds their values (their
  hash holds the record's place). Queued tasks with retries also get
  their retry policy and a try count of 0. (Uses the helpers of _msgpack.lua.)
  Input:  KEYS[1] all tasks (list)  KEYS[2] the collection of the state (list or set)
          KEYS[3] finished records (list)
          ARGV[1] task hash prefix  ARGV[2] state  ARGV[3] worker id ('' for none)
          ARGV[4] events channel  ARGV[5] retry policy ('' for none; see _fail_task.lua)
          ARGV[6] n, the number of fields
          ARGV[7 .. 6+n] field names, then per task: its key and its n encoded values
  Output: the number of tasks created.
  Idempotent: a task whose hash exists already is skipped, so a command sent again after a
  reconnect never makes a second task.
]]
local prefix, state, worker_id, channel, policy = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local n = tonumber(ARGV[6])
local ordered = state == 'queued' or state == 'finished'
local now = mp_float(now_ms())
local created = 0
for i = 7 + n, #ARGV, n + 1 do
  local key = ARGV[i]
  local hash = prefix .. key
  if redis.call('EXISTS', hash) == 0 then
    local args = { 'state', state, 'created_at', now }
    local value = {}
    for j = 1, n do
      local field = ARGV[6 + j]
      value[field] = ARGV[i + j]
      -- A finished task's values are stored once: in its record, not its hash.
      if state ~= 'finished' or not VALUE_FIELDS[field] then
        args[#args + 1] = field
        args[#args + 1] = ARGV[i + j]
      end
    end
    if worker_id ~= '' then
      args[#args + 1] = 'worker_id'
      args[#args + 1] = worker_id
    end
    if state == 'running' or state == 'finished' then
      args[#args + 1] = 'started_at'
      args[#args + 1] = now
    end
    if state == 'finished' or state == 'failed' then
      args[#args + 1] = 'finished_at'
      args[#args + 1] = now
    end
    if policy ~= '' then
      args[#args + 1] = 'retry'
      args[#args + 1] = policy
      args[#args + 1] = 'tries'
      args[#args + 1] = mp_uint(0)
    end
    redis.call('RPUSH', KEYS[1], key)
    if ordered then
      redis.call('RPUSH', KEYS[2], key)
      if state == 'finished' then
        local record, shape = mp_record(key, { value.xs or false, value.ys or false,
          value.xs_extra or false, value.ys_extra or false, value.condition or false, worker_id,
          now, now, now, false })
        args[#args + 1] = RECORD_INDEX
        args[#args + 1] = mp_place(shape, redis.call('RPUSH', KEYS[3], record) - 1)
      end
    else
      redis.call('SADD', KEYS[2], key)
    end
    redis.call('HSET', hash, unpack(args))
    created = created + 1
  end
end
if created > 0 and (state == 'finished' or state == 'failed') then
  redis.call('PUBLISH', channel, state)
end
return created
