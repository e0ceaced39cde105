-- Fails a running task whose owner is a lost worker (included by lose_workers and
-- sweep_lost_tasks, after _fail_task.lua): for good, or back to the queue when it has retries
-- left. `conditions` maps the lost workers' ids to the encoded condition for their tasks.
-- First writer wins: a task no longer running is left alone.
local function fail_owned(q, running, key, conditions)
  local owner = redis.call('HGET', q.prefix .. key, 'worker_id')
  local condition = owner and conditions[owner]
  if condition and redis.call('SREM', running, key) == 1 then
    retry_or_fail(q, key, condition, true)
    return true
  end
  return false
end
