--- @keys running finished finishedRecords failed pending queued lastPop runningWorkers
--- @include _msgpack _finish_task _fail_task _pop
--[[
  The queue's steady step (processTasks): settles the tasks a worker has completed, each
  finished with its result or failed with its condition (first writer wins), and takes the
  next tasks, in one round trip. (Includes _msgpack.lua, _finish_task.lua, _fail_task.lua and
  _pop.lua.)
  Input:  KEYS[1] running (set)  KEYS[2] finished (list)  KEYS[3] finished records (list)
          KEYS[4] failed (set)  KEYS[5] pending (list)  KEYS[6] queued (list)
          KEYS[7] the caller's last pop (string)  KEYS[8] running workers (set)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] worker id
          ARGV[4] count to take  ARGV[5] request id  ARGV[6] m, the number of completions
          ARGV[7] f, the number of fields to return  ARGV[8 .. 7+f] the fields
          then per completion: task key, 'f' (finished) or 'x' (failed), the encoded ys or
          condition, the encoded ys_extra ('' for none)
  Output: { keys settled (in input order), tasks taken (per task: key, then each field) }.
]]
local prefix = ARGV[1]
local m, f = tonumber(ARGV[6]), tonumber(ARGV[7])
local fields = {}
for i = 1, f do fields[i] = ARGV[7 + i] end
local settled, finished, failed = {}, false, false
for i = 8 + f, 7 + f + 4 * m, 4 do
  local key, outcome, value, extra = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if extra == '' then extra = nil end
  if outcome == 'f' then
    if finish_task(prefix, KEYS[1], KEYS[2], KEYS[3], key, value, extra) then
      settled[#settled + 1] = key
      finished = true
    end
  elseif redis.call('SREM', KEYS[1], key) == 1 then
    fail_task(prefix, KEYS[4], key, value)
    settled[#settled + 1] = key
    failed = true
  end
end
if finished then redis.call('PUBLISH', ARGV[2], 'finished') end
if failed then redis.call('PUBLISH', ARGV[2], 'failed') end
local taken = pop_tasks(KEYS[5], KEYS[6], KEYS[1], KEYS[8], KEYS[7], prefix, ARGV[3], '',
  tonumber(ARGV[4]), ARGV[5], fields)
return { settled, taken }
