--- @keys queued failed delayed
--- @include _msgpack _fail_task
--[[
  Moves queued tasks, delayed ones included, to failed for good: the whole queue, or the given
  tasks that are still queued or delayed. (Includes _msgpack.lua and _fail_task.lua.)
  Input:  KEYS[1] queued (list)  KEYS[2] failed (set)  KEYS[3] delayed (sorted set)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] encoded condition for the
          whole queue  ARGV[4 ..] pairs of task key and encoded condition (none: whole queue)
  Output: the keys that moved.
]]
local q = { prefix = ARGV[1], queued = KEYS[1], delayed = KEYS[3], failed = KEYS[2], events = ARGV[2] }
local moved = {}
if #ARGV < 4 then
  for _, key in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    fail_task(q, key, ARGV[3])
    moved[#moved + 1] = key
  end
  for _, key in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    fail_task(q, key, ARGV[3])
    moved[#moved + 1] = key
  end
  redis.call('DEL', KEYS[1], KEYS[3])
else
  for i = 4, #ARGV, 2 do
    if redis.call('LREM', KEYS[1], 1, ARGV[i]) == 1 or redis.call('ZREM', KEYS[3], ARGV[i]) == 1 then
      fail_task(q, ARGV[i], ARGV[i + 1])
      moved[#moved + 1] = ARGV[i]
    end
  end
end
if #moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'failed')
end
return moved
