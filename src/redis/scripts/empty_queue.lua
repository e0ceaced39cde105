--- @keys queued failed
--- @include _fail_task
--[[
  Moves queued tasks to failed: the whole queue, or the given tasks that are still queued.
  (Includes _fail_task.lua.)
  Input:  KEYS[1] queued (list)  KEYS[2] failed (set)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] encoded condition for the
          whole queue  ARGV[4 ..] pairs of task key and encoded condition (none: whole queue)
  Output: the keys that moved.
]]
local prefix = ARGV[1]
local moved = {}
if #ARGV < 4 then
  for _, key in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    fail_task(prefix, KEYS[2], key, ARGV[3])
    moved[#moved + 1] = key
  end
  redis.call('DEL', KEYS[1])
else
  for i = 4, #ARGV, 2 do
    if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 then
      fail_task(prefix, KEYS[2], ARGV[i], ARGV[i + 1])
      moved[#moved + 1] = ARGV[i]
    end
  end
end
if #moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'failed')
end
return moved
