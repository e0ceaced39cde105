--- @keys running queued failed delayed
--- @include _msgpack _fail_task
--[[
  Fails running, queued or delayed tasks and stores their conditions. A running task with
  retries left (and ARGV[4] = '1') goes back to the queue instead (see _fail_task.lua); a
  queued or delayed task with retries that a worker fails with ARGV[4] = '1' stays where it is
  (a manager, or ARGV[4] = '0', fails it for good). First
  writer wins: a task that is in none of those is left as it is, and so is one whose current
  try the caller does not run when the caller ran an earlier try.
  (Includes _msgpack.lua and _fail_task.lua.)
  Input:  KEYS[1] running (set)  KEYS[2] queued (list)  KEYS[3] failed (set)
          KEYS[4] delayed (sorted set)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] the caller's worker id
          ('' for a manager)  ARGV[4] '1' to retry tasks with retries left, '0' to fail for good
          ARGV[5] request id  ARGV[6 ..] pairs of task key and encoded condition
  Output: the keys that moved (to the queue or to failed), in input order.
  Idempotent: a task this request sent back to the queue is marked with the request id, so the
  same request sent again after a reconnect does not fail it from the queue.
]]
local q = { prefix = ARGV[1], queued = KEYS[2], delayed = KEYS[4], failed = KEYS[3], events = ARGV[2] }
local retry = ARGV[4] == '1'
local moved, failed = {}, false
for i = 6, #ARGV, 2 do
  local key = ARGV[i]
  local hash = q.prefix .. key
  if may_settle(hash, ARGV[3]) then
    if redis.call('SREM', KEYS[1], key) == 1 then
      if retry_or_fail(q, key, ARGV[i + 1], retry) == 'failed' then
        failed = true
      else
        redis.call('HSET', hash, 'requeued_by', ARGV[5])
      end
      moved[#moved + 1] = key
    elseif redis.call('HGET', hash, 'requeued_by') == ARGV[5] then
      moved[#moved + 1] = key
    elseif not (retry and ARGV[3] ~= '' and redis.call('HEXISTS', hash, 'retry') == 1)
      and (redis.call('LREM', KEYS[2], 1, key) == 1 or redis.call('ZREM', KEYS[4], key) == 1) then
      -- From the queue a task fails for good, but not a task with retries that a worker fails
      -- with retry on: a worker fails the tries it runs, and one that believes it runs a queued
      -- task acts on a pop Redis no longer has (lost in a failover); the task stays queued.
      fail_task(q, key, ARGV[i + 1])
      failed = true
      moved[#moved + 1] = key
    end
  end
end
if failed then
  redis.call('PUBLISH', ARGV[2], 'failed')
end
return moved
