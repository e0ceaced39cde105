--[[
  Moves workers from running to terminated and fails their running and pending tasks: for
  workers that were killed, crashed, or whose heartbeat expired. Each worker and each task is
  moved once, however many managers call this at the same time. (Includes _fail_task.lua.)
  Input:  KEYS[1] running workers (set)  KEYS[2] terminated workers (set)
          KEYS[3] running tasks (set)  KEYS[4] failed tasks (set)
          ARGV[1] task hash prefix  ARGV[2] worker info prefix  ARGV[3] heartbeat prefix
          ARGV[4] pending list prefix  ARGV[5] events channel
          ARGV[6] encoded condition for their tasks
          ARGV[7] '1' to also take every running worker whose heartbeat key expired
          ARGV[8 ..] ids of workers to take
  Output: the ids of the workers that moved.
]]
local task_prefix, condition = ARGV[1], ARGV[6]
local lost, is_lost = {}, {}
local function take(id)
  if not is_lost[id] and redis.call('SMOVE', KEYS[1], KEYS[2], id) == 1 then
    lost[#lost + 1] = id
    is_lost[id] = true
  end
end
for i = 8, #ARGV do
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
for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local owner = redis.call('HGET', task_prefix .. key, 'worker_id')
  if owner and is_lost[owner] then
    redis.call('SREM', KEYS[3], key)
    fail_task(task_prefix, KEYS[4], key, condition)
  end
end
for _, id in ipairs(lost) do
  local pending = ARGV[4] .. id
  for _, key in ipairs(redis.call('LRANGE', pending, 0, -1)) do
    fail_task(task_prefix, KEYS[4], key, condition)
  end
  redis.call('DEL', pending)
end
redis.call('PUBLISH', ARGV[5], 'failed')
return lost
