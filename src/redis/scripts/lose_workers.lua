--- @keys runningWorkers terminatedWorkers running failed lostSweep queued delayed
--- @include _msgpack _fail_task _fail_owned
--[[
  Moves workers from running to terminated and fails their pending tasks and, when the running
  set is small, their running tasks: for workers that were killed, crashed, or whose heartbeat
  expired. Finding the running tasks of a worker means looking at every running task, which in
  a large set would hold the server for long: then the workers are noted in the lost-sweep hash
  instead, in this same step, and sweep_lost_tasks.lua fails their running tasks a chunk per
  call (any later detectLostWorkers finishes a sweep that a crash interrupted). Each worker and
  each task is moved once, however many managers call this at the same time.
  A task with retries left goes back to the queue instead of to failed (see _fail_task.lua).
  (Includes _msgpack.lua, _fail_task.lua and _fail_owned.lua.)
  Input:  KEYS[1] running workers (set)  KEYS[2] terminated workers (set)
          KEYS[3] running tasks (set)  KEYS[4] failed tasks (set)  KEYS[5] lost sweep (hash)
          KEYS[6] queued tasks (list)  KEYS[7] delayed tasks (sorted set)
          ARGV[1] task hash prefix  ARGV[2] worker info prefix  ARGV[3] heartbeat prefix
          ARGV[4] pending list prefix  ARGV[5] events channel
          ARGV[6] encoded condition for their tasks
          ARGV[7] '1' to also take every running worker whose heartbeat key expired
          ARGV[8] the most running tasks this call looks at itself ('' for no limit)
          ARGV[9 ..] ids of workers to take
  Output: the ids of the workers that moved.
]]
local task_prefix, condition = ARGV[1], ARGV[6]
local q = { prefix = task_prefix, queued = KEYS[6], delayed = KEYS[7], failed = KEYS[4], events = ARGV[5] }
local lost, conditions = {}, {}
local function take(id)
  if not conditions[id] and redis.call('SMOVE', KEYS[1], KEYS[2], id) == 1 then
    lost[#lost + 1] = id
    conditions[id] = condition
  end
end
for i = 9, #ARGV do
  take(ARGV[i])
end
if ARGV[7] == '1' then
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('HGET', ARGV[2] .. id, 'heartbeat') == '1'
      and redis.call('EXISTS', ARGV[3] .. id) == 0 then
      take(id)
    end
  end
end
if #lost == 0 then
  return lost
end
local limit = tonumber(ARGV[8])
if not limit or redis.call('SCARD', KEYS[3]) <= limit then
  for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    fail_owned(q, KEYS[3], key, conditions)
  end
else
  for _, id in ipairs(lost) do
    redis.call('HSET', KEYS[5], id, condition)
  end
end
for _, id in ipairs(lost) do
  local pending = ARGV[4] .. id
  for _, key in ipairs(redis.call('LRANGE', pending, 0, -1)) do
    retry_or_fail(q, key, condition, true)
  end
  redis.call('DEL', pending)
end
redis.call('PUBLISH', ARGV[5], 'failed')
return lost
