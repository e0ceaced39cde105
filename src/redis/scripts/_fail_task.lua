-- The one way a script fails a task, and the one way it sends a failed try back to the queue
-- (included, after _msgpack.lua, by fail_tasks, empty_queue, complete_and_pop, cancel_tasks,
-- lose_workers and sweep_lost_tasks, the last two through _fail_owned.lua). The caller has
-- already taken the task out of the collection it was in (queue, delayed set, running set or a
-- pending list). `q` names the task hash prefix and the collections: { prefix, queued,
-- delayed, failed, events }.
--
-- A task pushed with retries holds `retry` ("<maxRetries> <initial ms> <factor> <max ms or
-- -1>"), `tries` (runs started), `history` (a MessagePack array of the condition of every
-- failed try) and `ran_by` (the workers of the earlier tries, space-separated).

-- The condition to store for a task with retries: `condition`'s own entries plus `history`,
-- which gains `condition`. A condition that is not a map (a large object) is stored as it is.
local function with_history(hash, condition)
  local n, body = mp_map_parts(condition)
  if not n then return condition end
  local old = redis.call('HGET', hash, 'history')
  local count, items = 0, ''
  if old then count, items = mp_array_parts(old) end
  local history = mp_array_header(count + 1) .. items .. condition
  redis.call('HSET', hash, 'history', history)
  return mp_map_header(n + 1) .. body .. char(0xa7) .. 'history' .. history
end

-- Fails a task for good: its condition (with its history when it has retries), its state and
-- finish time, and the failed set.
local function fail_task(q, key, condition)
  local hash = q.prefix .. key
  if redis.call('HEXISTS', hash, 'retry') == 1 then condition = with_history(hash, condition) end
  redis.call('HSET', hash, 'state', 'failed', 'condition', condition, 'finished_at', mp_float(now_ms()))
  redis.call('SADD', q.failed, key)
end

-- Fails a try: a task with retries left (and `retry` true) goes back to the queue, at its back
-- at once or into the delayed set until its backoff has passed; any other is failed for good.
-- Returns 'queued' or 'failed'.
local function retry_or_fail(q, key, condition, retry)
  local hash = q.prefix .. key
  local v = redis.call('HMGET', hash, 'retry', 'tries', 'worker_id', 'ran_by')
  if not (retry and v[1]) then
    fail_task(q, key, condition)
    return 'failed'
  end
  local max, initial, factor, cap = v[1]:match('^(%S+) (%S+) (%S+) (%S+)$')
  local tries = mp_read_uint(v[2])
  if tries > tonumber(max) then
    fail_task(q, key, condition)
    return 'failed'
  end
  local delay = tonumber(initial) * tonumber(factor) ^ math.max(tries - 1, 0)
  if tonumber(cap) >= 0 and delay > tonumber(cap) then delay = tonumber(cap) end
  delay = floor(delay)
  local args = { 'state', 'queued', 'condition', with_history(hash, condition) }
  local runner = v[3]
  if runner and runner ~= '' and not (' ' .. (v[4] or '') .. ' '):find(' ' .. runner .. ' ', 1, true) then
    args[#args + 1] = 'ran_by'
    args[#args + 1] = v[4] and (v[4] .. ' ' .. runner) or runner
  end
  redis.call('HSET', hash, unpack(args))
  if delay > 0 then
    redis.call('ZADD', q.delayed, now_ms() + delay, key)
    -- On the control channel (keys.ts), where blocked pops listen.
    redis.call('PUBLISH', q.events .. ':control', 'delayed ' .. delay)
  else
    redis.call('RPUSH', q.queued, key)
  end
  return 'queued'
end

-- Whether `caller` (a worker id; '' for a manager) may still finish or fail a task, given its
-- `ran_by`, `worker_id` and `state`: not when it is a worker that ran an earlier try of the task
-- and does not run its current try.
local function may_settle_with(caller, ran_by, worker_id, state)
  if caller == '' or not ran_by then return true end
  if state == 'running' and worker_id == caller then return true end
  return not (' ' .. ran_by .. ' '):find(' ' .. caller .. ' ', 1, true)
end

-- The same, reading what it needs from the task's hash.
local function may_settle(hash, caller)
  if caller == '' then return true end
  local v = redis.call('HMGET', hash, 'ran_by', 'worker_id', 'state')
  return may_settle_with(caller, v[1], v[2], v[3])
end
