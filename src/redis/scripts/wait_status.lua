#!lua flags=no-writes
--- @keys runningWorkers
--[[
  For waitForTasks: how many of the given tasks are not yet finished or failed, and how many
  workers are running.
  Input:  KEYS[1] running workers (set)  ARGV[1] task hash prefix  ARGV[2 ..] task keys
  Output: { number of unfinished tasks, number of running workers }.
]]
local open = 0
for i = 2, #ARGV do
  local state = redis.call('HGET', ARGV[1] .. ARGV[i], 'state')
  if state ~= 'finished' and state ~= 'failed' and state then
    open = open + 1
  end
end
return { open, redis.call('SCARD', KEYS[1]) }
