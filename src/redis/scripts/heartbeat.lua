--- @keys runningWorkers heartbeat
--[[
  Refreshes a worker's heartbeat, only while the worker is registered as running: a worker
  that was declared lost, killed or reset away does not bring its heartbeat key back (it sees
  it was dropped and stops), while a key that Redis lost (a failover) is written again.
  Input:  KEYS[1] running workers (set)  KEYS[2] the worker's heartbeat key
          ARGV[1] worker id  ARGV[2] expiry in seconds
  Output: 1 when refreshed, 0 when the worker is no longer running.
]]
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1', 'EX', tonumber(ARGV[2]))
return 1
