--[[
  Takes tasks and marks them running, in one step. First a task that a blocking pop just moved
  into this caller's pending list (the claimed key), unless another actor has failed it
  meanwhile; then up to `count` more: first any left in the pending list (a blocking pop whose
  reply was lost to a broken connection), then from the head of the queue.
  Idempotent: the caller's last request id and the keys it took are kept in KEYS[4]; the same
  request sent again after a reconnect gets the same tasks back (those still running) instead
  of taking more, so a lost reply never strands a task.
  Input:  KEYS[1] pending (list)  KEYS[2] queued (list)  KEYS[3] running (set)
          KEYS[4] the caller's last pop (string)
          ARGV[1] task hash prefix  ARGV[2] worker id ('' for none)
          ARGV[3] key to claim from the pending list ('' for none)  ARGV[4] count
          ARGV[5] request id  ARGV[6 ..] fields to return
  Output: nil when no task was taken, else per task: key, then the value of each field.
]]
local prefix, worker_id, request = ARGV[1], ARGV[2], ARGV[5]
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
local out = {}

local function emit(key)
  out[#out + 1] = key
  if #fields > 0 then
    local values = redis.call('HMGET', prefix .. key, unpack(fields))
    for i = 1, #fields do out[#out + 1] = values[i] end
  end
end

local last = redis.call('GET', KEYS[4])
if last and last:sub(1, #request + 1) == request .. ' ' then
  for key in last:sub(#request + 2):gmatch('%S+') do
    if redis.call('SISMEMBER', KEYS[3], key) == 1 then emit(key) end
  end
  if #out == 0 then return false end
  return out
end
local taken = {}

local function take(key)
  local hash = prefix .. key
  redis.call('SADD', KEYS[3], key)
  if worker_id ~= '' then
    redis.call('HSET', hash, 'state', 'running', 'worker_id', worker_id)
  else
    redis.call('HSET', hash, 'state', 'running')
  end
  taken[#taken + 1] = key
  emit(key)
end

if ARGV[3] ~= '' and redis.call('LREM', KEYS[1], 1, ARGV[3]) == 1 then
  take(ARGV[3])
end
for _ = 1, tonumber(ARGV[4]) do
  local key = redis.call('LPOP', KEYS[1]) or redis.call('LPOP', KEYS[2])
  if not key then break end
  take(key)
end
redis.call('SET', KEYS[4], request .. ' ' .. table.concat(taken, ' '))
if #out == 0 then
  return false
end
return out
