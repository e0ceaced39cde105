--[[
  Deletes the data of a network in one atomic step.
  Input:  KEYS[1] tasks  KEYS[2] queued  KEYS[3] running  KEYS[4] finished  KEYS[5] failed
          KEYS[6] extra hashes  KEYS[7] finished records  KEYS[8] workers
          KEYS[9] poppers (owners of pending lists)  KEYS[10 ..] other keys of the network that
          go with the workers (running/terminated workers, flags, worker configuration)
          ARGV[1] prefix of the network's keys  ARGV[2] '1' to delete the workers too
          ARGV[3 ..] kinds of per-worker keys (pending lists and last pops are always deleted
          with the tasks)
  Output: the number of keys deleted.
]]
local prefix = ARGV[1]
local with_workers = ARGV[2] == '1'
local doomed = {}
local deleted = 0
local function flush()
  if #doomed > 0 then
    deleted = deleted + redis.call('DEL', unpack(doomed))
    doomed = {}
  end
end
local function add(key)
  doomed[#doomed + 1] = key
  if #doomed >= 1000 then flush() end
end
for _, key in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  add(prefix .. 'task:' .. key)
end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[6])) do
  add(prefix .. 'task:' .. key)
end
for i = 1, 7 do add(KEYS[i]) end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[9])) do
  add(prefix .. 'pending:' .. id)
  add(prefix .. 'last_pop:' .. id)
end
if with_workers then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[8], 0, -1)) do
    for i = 3, #ARGV do add(prefix .. ARGV[i] .. ':' .. id) end
  end
  for i = 8, #KEYS do add(KEYS[i]) end
end
flush()
return deleted
