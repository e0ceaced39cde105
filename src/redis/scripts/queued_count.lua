#!lua flags=no-writes
--- @keys queued delayed
--[[
  The number of queued tasks, delayed retries included, in one consistent read. It writes
  nothing (flagged so), so it also runs when Redis is out of memory, as a plain count does.
  Input:  KEYS[1] queued (list)  KEYS[2] delayed (sorted set)
  Output: the number.
]]
return redis.call('LLEN', KEYS[1]) + redis.call('ZCARD', KEYS[2])
