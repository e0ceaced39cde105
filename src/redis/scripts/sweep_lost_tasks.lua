--- @keys running failed lostSweep runningWorkers queued delayed
--- @include _msgpack _fail_task _fail_owned
--[[
  Fails the running tasks, among the given keys (a chunk of an SSCAN of the running set), whose
  owner is in the lost-sweep hash: the second part of lose_workers.lua for a large running set.
  Idempotent and safe for concurrent managers: a key seen twice, or already moved, is left alone.
  A worker that is running again (it registered anew) is not lost: its tasks stay.
  A task with retries left goes back to the queue instead (see _fail_task.lua).
  (Includes _msgpack.lua, _fail_task.lua and _fail_owned.lua.)
  Input:  KEYS[1] running tasks (set)  KEYS[2] failed tasks (set)  KEYS[3] lost sweep (hash)
          KEYS[4] running workers (set)  KEYS[5] queued tasks (list)
          KEYS[6] delayed tasks (sorted set)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3 ..] task keys
  Output: the number of tasks failed.
]]
local conditions, any = {}, false
local entries = redis.call('HGETALL', KEYS[3])
for i = 1, #entries, 2 do
  if redis.call('SISMEMBER', KEYS[4], entries[i]) == 0 then
    conditions[entries[i]] = entries[i + 1]
    any = true
  end
end
if not any then
  return 0
end
local q = { prefix = ARGV[1], queued = KEYS[5], delayed = KEYS[6], failed = KEYS[2], events = ARGV[2] }
local moved = 0
for i = 3, #ARGV do
  if fail_owned(q, KEYS[1], ARGV[i], conditions) then moved = moved + 1 end
end
if moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'failed')
end
return moved
