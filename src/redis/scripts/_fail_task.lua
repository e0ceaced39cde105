-- The one way a script fails a task (included by fail_tasks, empty_queue, complete_and_pop,
-- lose_workers and sweep_lost_tasks, the last two through _fail_owned.lua): store
-- its condition, mark its state and add it to the failed set. The caller has already taken the
-- task out of the collection it was in (queue, running set or a pending list).
local function fail_task(task_prefix, failed_set, key, condition)
  redis.call('HSET', task_prefix .. key, 'state', 'failed', 'condition', condition)
  redis.call('SADD', failed_set, key)
end
