-- Fails a running task whose owner is a lost worker (included by lose_workers and
-- sweep_lost_tasks, after _fail_task.lua). `conditions` maps the lost workers' ids to the
-- encoded condition for their tasks. First writer wins: a task no longer running is left alone.
local function fail_owned(task_prefix, running, failed, key, conditions)
  local owner = redis.call('HGET', task_prefix .. key, 'worker_id')
  local condition = owner and conditions[owner]
  if condition and redis.call('SREM', running, key) == 1 then
    fail_task(task_prefix, failed, key, condition)
    return true
  end
  return false
end
