--- @keys queued delayed running failed poppers
--- @include _msgpack _fail_task
--[[
  Cancels tasks: a queued or delayed one leaves the queue, a running one (or one a blocking
  pop moved into a pending list and has not yet claimed) is failed at once; all of them with
  the cancel condition, for good (never retried), and marked `cancelled`. Finished and failed
  tasks, and unknown keys, are left as they are. The running ones are announced on the control
  channel (`<events channel>:control`), so the worker running each can abort its handler.
  (Includes _msgpack.lua and _fail_task.lua.)
  Input:  KEYS[1] queued (list)  KEYS[2] delayed (sorted set)  KEYS[3] running (set)
          KEYS[4] failed (set)  KEYS[5] poppers (set of owners of pending lists)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] pending list prefix
          ARGV[4] encoded condition  ARGV[5 ..] task keys
  Output: the keys cancelled, in input order.
]]
local q = { prefix = ARGV[1], queued = KEYS[1], delayed = KEYS[2], failed = KEYS[4], events = ARGV[2] }
local cancelled, running = {}, {}
local poppers = nil
-- A task that is queued by its hash but in neither queue: a blocking pop moved it into a
-- pending list (rare, and pending lists are short).
local function take_pending(key)
  poppers = poppers or redis.call('SMEMBERS', KEYS[5])
  for _, id in ipairs(poppers) do
    if redis.call('LREM', ARGV[3] .. id, 1, key) == 1 then return true end
  end
  return false
end
for i = 5, #ARGV do
  local key = ARGV[i]
  local found = false
  if redis.call('SREM', KEYS[3], key) == 1 then
    found = true
    running[#running + 1] = key
  elseif redis.call('LREM', KEYS[1], 1, key) == 1 or redis.call('ZREM', KEYS[2], key) == 1 then
    found = true
  elseif redis.call('HGET', q.prefix .. key, 'state') == 'queued' then
    found = take_pending(key)
  end
  if found then
    fail_task(q, key, ARGV[4])
    redis.call('HSET', q.prefix .. key, 'cancelled', '1')
    cancelled[#cancelled + 1] = key
  end
end
if #running > 0 then
  -- On the control channel (keys.ts), where processTasks workers listen.
  redis.call('PUBLISH', ARGV[2] .. ':control', 'cancelled ' .. table.concat(running, ' '))
end
if #cancelled > 0 then
  redis.call('PUBLISH', ARGV[2], 'failed')
end
return cancelled
