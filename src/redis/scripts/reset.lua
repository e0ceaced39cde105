--[[
  Deletes the data of a network in one atomic step.
  Input:  KEYS[1] tasks  KEYS[2] extra hashes  KEYS[3] poppers (owners of pending lists)
          KEYS[4] workers  KEYS[5 ..] other keys to delete: the task collections, and with the
          workers the registry keys (running/terminated workers, flags, worker configuration);
          poppers and workers go only with the workers
          ARGV[1] task hash prefix  ARGV[2] pending list prefix  ARGV[3] last pop prefix
          ARGV[4] '1' to delete the workers' own keys too
          ARGV[5 ..] prefixes of per-worker keys (info, heartbeat, log, flags)
  Output: the number of keys deleted.
]]
local task_prefix = ARGV[1]
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
  add(task_prefix .. key)
end
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  add(task_prefix .. key)
end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  add(ARGV[2] .. id)
  add(ARGV[3] .. id)
end
if ARGV[4] == '1' then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    for i = 5, #ARGV do add(ARGV[i] .. id) end
  end
end
add(KEYS[1])
add(KEYS[2])
for i = 5, #KEYS do add(KEYS[i]) end
if ARGV[4] == '1' then
  add(KEYS[3])
  add(KEYS[4])
end
flush()
return deleted
