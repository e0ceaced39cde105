-- The one way a script takes tasks from the queue (included, after _msgpack.lua, by pop_task
-- and complete_and_pop). First moves the delayed tasks that are due (retries whose backoff has
-- passed) to the back of the queue: no scheduler, whoever pops does it. Then takes first a task
-- that a blocking pop just moved into the caller's pending list (`claim`), unless another actor
-- has failed it meanwhile; then up to `count` more: first any left in the pending list (a
-- blocking pop whose reply was lost to a broken connection), then from the head of the queue;
-- marks them running under `worker_id`, with their start time and, for tasks with retries,
-- one more try.
-- Idempotent: the caller's last request id and the keys it took are kept in `last_pop`; the
-- same request sent again after a reconnect gets the same tasks back (those still running)
-- instead of taking more, so a lost reply never strands a task.
-- A worker that is no longer among the running workers (declared lost, killed) takes nothing:
-- a claimed key goes back to the head of the queue.
-- Returns, per task taken, its key then the value of each of `fields` (an empty table: none).

-- Set when the caller is a worker no longer running: it takes nothing and is told of no retry.
local popper_dropped = false --- @per-call

-- Due tasks moved per call at most: a call stays short however many are due.
local DUE_BATCH = 1000

local function promote_due(delayed, queued)
  local due = redis.call('ZRANGEBYSCORE', delayed, '-inf', now_ms(), 'LIMIT', 0, DUE_BATCH)
  if #due > 0 then
    redis.call('ZREM', delayed, unpack(due))
    redis.call('RPUSH', queued, unpack(due))
  end
end

-- Milliseconds until the earliest delayed task is due (0: due now), or -1 when none is
-- delayed: a blocking pop waits no longer than that.
local function until_due(delayed)
  if popper_dropped then return -1 end
  local first = redis.call('ZRANGE', delayed, 0, 0, 'WITHSCORES')
  if not first[1] then return -1 end
  return math.max(0, tonumber(first[2]) - now_ms())
end

local function pop_tasks(pending, queued, delayed, running, running_workers, last_pop, prefix, worker_id, claim, count, request, fields)
  local out = {}
  local function emit(key)
    out[#out + 1] = key
    if #fields > 0 then
      local values = redis.call('HMGET', prefix .. key, unpack(fields))
      for i = 1, #fields do out[#out + 1] = values[i] end
    end
  end
  local last = redis.call('GET', last_pop)
  if last and last:sub(1, #request + 1) == request .. ' ' then
    for key in last:sub(#request + 2):gmatch('%S+') do
      if redis.call('SISMEMBER', running, key) == 1 then emit(key) end
    end
    return out
  end
  if worker_id ~= '' and redis.call('SISMEMBER', running_workers, worker_id) == 0 then
    popper_dropped = true
    if claim ~= '' and redis.call('LREM', pending, 1, claim) == 1 then
      redis.call('LPUSH', queued, claim)
    end
    return out
  end
  promote_due(delayed, queued)
  local taken = {}
  local started = mp_float(now_ms())
  -- One HMGET per task reads its tries and the fields to return; the fields this pop writes
  -- are returned as written.
  local read = { 'tries' }
  for i = 1, #fields do read[i + 1] = fields[i] end
  local function take(key)
    local hash = prefix .. key
    redis.call('SADD', running, key)
    local values = redis.call('HMGET', hash, unpack(read))
    local tries = values[1]
    local written = { state = 'running', started_at = started }
    local args = { 'state', 'running', 'started_at', started }
    if tries then
      written.tries = mp_uint(mp_read_uint(tries) + 1)
      args[#args + 1] = 'tries'
      args[#args + 1] = written.tries
    end
    if worker_id ~= '' then
      written.worker_id = worker_id
      args[#args + 1] = 'worker_id'
      args[#args + 1] = worker_id
    elseif tries then
      -- A manager's try of a task an earlier try's worker may still report on: that worker is
      -- not the owner of this try.
      written.worker_id = false
      redis.call('HDEL', hash, 'worker_id')
    end
    redis.call('HSET', hash, unpack(args))
    taken[#taken + 1] = key
    out[#out + 1] = key
    for i = 1, #fields do
      local value = written[fields[i]]
      if value == nil then value = values[i + 1] end
      out[#out + 1] = value
    end
  end
  if claim ~= '' and redis.call('LREM', pending, 1, claim) == 1 then
    take(claim)
  end
  -- First what a lost blocking pop left in the pending list, then the head of the queue.
  local left = count
  for _, list in ipairs({ pending, queued }) do
    if left <= 0 then break end
    local keys = redis.call('LPOP', list, left)
    if keys then
      for _, key in ipairs(keys) do take(key) end
      left = left - #keys
    end
  end
  redis.call('SET', last_pop, request .. ' ' .. table.concat(taken, ' '))
  return out
end
