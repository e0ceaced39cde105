--- @keys running queued failed
--- @include _fail_task
--[[
  Moves running or queued tasks to failed and stores their conditions. First writer wins:
  a task that is neither running nor queued is left as it is. (Includes _fail_task.lua.)
  Input:  KEYS[1] running (set)  KEYS[2] queued (list)  KEYS[3] failed (set)
          ARGV[1] task hash prefix  ARGV[2] events channel
          ARGV[3 ..] pairs of task key and encoded condition
  Output: the keys that moved, in input order.
]]
local prefix = ARGV[1]
local moved = {}
for i = 3, #ARGV, 2 do
  local key = ARGV[i]
  if redis.call('SREM', KEYS[1], key) == 1 or redis.call('LREM', KEYS[2], 1, key) == 1 then
    fail_task(prefix, KEYS[3], key, ARGV[i + 1])
    moved[#moved + 1] = key
  end
end
if #moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'failed')
end
return moved
