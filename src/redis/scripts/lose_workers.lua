--[[
  Moves workers from running to terminated and fails their running and pending tasks: for
  workers that were killed, crashed, or whose heartbeat expired. Each worker and each task is
  moved once, however many managers call this at the same time.
  Input:  KEYS[1] running workers (set)  KEYS[2] terminated workers (set)
          KEYS[3] running tasks (set)  KEYS[4] failed tasks (set)
          ARGV[1] prefix of the network's keys  ARGV[2] events channel
          ARGV[3] encoded condition for their tasks
          ARGV[4] '1' to also take every running worker whose heartbeat key expired
          ARGV[5 ..] ids of workers to take
  Output: the ids of the workers that moved.
]]
local prefix, condition = ARGV[1], ARGV[3]
local lost, is_lost = {}, {}
local function take(id)
  if not is_lost[id] and redis.call('SMOVE', KEYS[1], KEYS[2], id) == 1 then
    lost[#lost + 1] = id
    is_lost[id] = true
  end
end
for i = 5, #ARGV do
  take(ARGV[i])
end
if ARGV[4] == '1' then
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if redis.call('HGET', prefix .. 'worker:' .. id, 'heartbeat') == '1'
      and redis.call('EXISTS', prefix .. 'heartbeat:' .. id) == 0 then
      take(id)
    end
  end
end
if #lost == 0 then
  return lost
end
local function fail(key)
  redis.call('HSET', prefix .. 'task:' .. key, 'state', 'failed', 'condition', condition)
  redis.call('SADD', KEYS[4], key)
end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  local owner = redis.call('HGET', prefix .. 'task:' .. key, 'worker_id')
  if owner and is_lost[owner] then
    redis.call('SREM', KEYS[3], key)
    fail(key)
  end
end
for _, id in ipairs(lost) do
  local pending = prefix .. 'pending:' .. id
  for _, key in ipairs(redis.call('LRANGE', pending, 0, -1)) do
    fail(key)
  end
  redis.call('DEL', pending)
end
redis.call('PUBLISH', ARGV[2], 'failed')
return lost
