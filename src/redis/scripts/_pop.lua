-- The one way a script takes tasks from the queue (included by pop_task and complete_and_pop).
-- Takes first a task that a blocking pop just moved into the caller's pending list (`claim`),
-- unless another actor has failed it meanwhile; then up to `count` more: first any left in the
-- pending list (a blocking pop whose reply was lost to a broken connection), then from the head
-- of the queue; marks them running under `worker_id`.
-- Idempotent: the caller's last request id and the keys it took are kept in `last_pop`; the
-- same request sent again after a reconnect gets the same tasks back (those still running)
-- instead of taking more, so a lost reply never strands a task.
-- A worker that is no longer among the running workers (declared lost, killed) takes nothing:
-- a claimed key goes back to the head of the queue.
-- Returns, per task taken, its key then the value of each of `fields` (an empty table: none).
local function pop_tasks(pending, queued, running, running_workers, last_pop, prefix, worker_id, claim, count, request, fields)
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
    if claim ~= '' and redis.call('LREM', pending, 1, claim) == 1 then
      redis.call('LPUSH', queued, claim)
    end
    return out
  end
  local taken = {}
  local function take(key)
    redis.call('SADD', running, key)
    if worker_id ~= '' then
      redis.call('HSET', prefix .. key, 'state', 'running', 'worker_id', worker_id)
    else
      redis.call('HSET', prefix .. key, 'state', 'running')
    end
    taken[#taken + 1] = key
    emit(key)
  end
  if claim ~= '' and redis.call('LREM', pending, 1, claim) == 1 then
    take(claim)
  end
  for _ = 1, count do
    local key = redis.call('LPOP', pending) or redis.call('LPOP', queued)
    if not key then break end
    take(key)
  end
  redis.call('SET', last_pop, request .. ' ' .. table.concat(taken, ' '))
  return out
end
