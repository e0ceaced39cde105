--[[
  Registers a worker as running.
  Input:  KEYS[1] workers (sorted set)  KEYS[2] running workers (set)
          KEYS[3] terminated workers (set)  KEYS[4] the worker's info hash
          KEYS[5] poppers (set of owners of pending lists)
          ARGV[1] worker id  ARGV[2] time in ms  ARGV[3 ..] info field/value pairs
  Output: 1.
]]
redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('HSET', KEYS[4], unpack(ARGV, 3))
return 1
