--- @keys running finished finishedRecords failed pending queued lastPop runningWorkers delayed
--- @include _msgpack _fail_task _finish_task _pop
--[[
  The queue's steady step (processTasks): settles the tasks a worker has completed, each
  finished with its result or failed with its condition (first writer wins; a failed try with
  retries left goes back to the queue), and takes the next tasks, in one round trip.
  (Includes _msgpack.lua, _fail_task.lua, _finish_task.lua and _pop.lua.)
  Input:  KEYS[1] running (set)  KEYS[2] finished (list)  KEYS[3] finished records (list)
          KEYS[4] failed (set)  KEYS[5] pending (list)  KEYS[6] queued (list)
          KEYS[7] the caller's last pop (string)  KEYS[8] running workers (set)
          KEYS[9] delayed (sorted set)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] worker id
          ARGV[4] count to take  ARGV[5] request id  ARGV[6] m, the number of completions
          ARGV[7] f, the number of fields to return  ARGV[8 .. 7+f] the fields
          then per completion: task key, 'f' (finished) or 'x' (failed), the encoded ys or
          condition, the encoded ys_extra ('' for none)
  Output: { keys settled (in input order), tasks taken (per task: key, then each field),
          milliseconds until the earliest delayed task is due when none was taken (-1: none) }.
]]
local prefix = ARGV[1]
local q = { prefix = prefix, queued = KEYS[6], delayed = KEYS[9], failed = KEYS[4], events = ARGV[2] }
local m, f = tonumber(ARGV[6]), tonumber(ARGV[7])
local fields = {}
for i = 1, f do fields[i] = ARGV[7 + i] end
local settled, finished, failed = {}, false, false
for i = 8 + f, 7 + f + 4 * m, 4 do
  local key, outcome, value, extra = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if extra == '' then extra = nil end
  if outcome == 'f' then
    if finish_task(prefix, KEYS[1], KEYS[2], KEYS[3], key, value, extra, ARGV[3]) then
      settled[#settled + 1] = key
      finished = true
    end
  elseif may_settle(prefix .. key, ARGV[3]) and redis.call('SREM', KEYS[1], key) == 1 then
    if retry_or_fail(q, key, value, true) == 'failed' then failed = true end
    settled[#settled + 1] = key
  end
end
if finished then redis.call('PUBLISH', ARGV[2], 'finished') end
if failed then redis.call('PUBLISH', ARGV[2], 'failed') end
local taken = pop_tasks(KEYS[5], KEYS[6], KEYS[9], KEYS[1], KEYS[8], KEYS[7], prefix, ARGV[3], '',
  tonumber(ARGV[4]), ARGV[5], fields)
local due = -1
if #taken == 0 then due = until_due(KEYS[9]) end
return { settled, taken, due }
