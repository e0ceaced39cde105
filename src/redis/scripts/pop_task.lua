--- @keys pending queued running lastPop runningWorkers delayed
--- @include _msgpack _pop
--[[
  Takes tasks and marks them running, in one step (see _pop.lua: due delayed tasks join the
  queue, then a claimed key first, then the pending list, then the queue; idempotent by
  request id; nothing for a worker that is no longer running). (Includes _msgpack.lua and
  _pop.lua.)
  Input:  KEYS[1] pending (list)  KEYS[2] queued (list)  KEYS[3] running (set)
          KEYS[4] the caller's last pop (string)  KEYS[5] running workers (set)
          KEYS[6] delayed (sorted set, by due time)
          ARGV[1] task hash prefix  ARGV[2] worker id ('' for none)
          ARGV[3] key to claim from the pending list ('' for none)  ARGV[4] count
          ARGV[5] request id  ARGV[6 ..] fields to return
  Output: when no task was taken, the milliseconds until the earliest delayed task is due (-1:
          none is delayed); else per task: key, then the value of each field.
]]
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
local out = pop_tasks(KEYS[1], KEYS[2], KEYS[6], KEYS[3], KEYS[5], KEYS[4], ARGV[1], ARGV[2],
  ARGV[3], tonumber(ARGV[4]), ARGV[5], fields)
if #out == 0 then return until_due(KEYS[6]) end
return out
