--- @keys running finished finishedRecords
--- @include _msgpack _fail_task _finish_task
--[[
  Moves running tasks to finished, stores their results and finish time, and appends each one's
  record to the finished-records log. First writer wins: a task that is no longer running is
  left as it is, and so is one whose current try the caller does not run when the caller ran
  an earlier try. (Includes _msgpack.lua, _fail_task.lua and _finish_task.lua.)
  Input:  KEYS[1] running (set)  KEYS[2] finished (list)  KEYS[3] finished records (list)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] the caller's worker id
          ('' for a manager)
          then per task: its key, its encoded ys, its encoded ys_extra ('' for none)
  Output: the keys that moved, in input order.
]]
local moved = {}
for i = 4, #ARGV, 3 do
  local ys_extra = ARGV[i + 2]
  if ys_extra == '' then ys_extra = nil end
  if finish_task(ARGV[1], KEYS[1], KEYS[2], KEYS[3], ARGV[i], ARGV[i + 1], ys_extra, ARGV[3]) then
    moved[#moved + 1] = ARGV[i]
  end
end
if #moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'finished')
end
return moved
