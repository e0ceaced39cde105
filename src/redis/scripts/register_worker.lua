--- @keys workers runningWorkers terminatedWorkers worker poppers heartbeat
--[[
  Registers a worker as running, with its first heartbeat when it keeps one (so it is never
  seen without one), and announces it on the events channel.
  Input:  KEYS[1] workers (sorted set)  KEYS[2] running workers (set)
          KEYS[3] terminated workers (set)  KEYS[4] the worker's info hash
          KEYS[5] poppers (set of owners of pending lists)  KEYS[6] the worker's heartbeat key
          ARGV[1] worker id  ARGV[2] time in ms  ARGV[3] heartbeat expiry in seconds ('' for none)
          ARGV[4] events channel  ARGV[5 ..] info field/value pairs
  Output: 1.
]]
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('HSET', KEYS[4], unpack(ARGV, 5))
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[6], '1', 'EX', tonumber(ARGV[3]))
end
redis.call('PUBLISH', ARGV[4], 'worker')
return 1
