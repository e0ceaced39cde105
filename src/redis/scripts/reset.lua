--- @keys tasks extraHashes poppers workers trash ...
--[[
  Resets a network in one atomic step that stays short however large the network is: the
  task list and the set of extra hashes are renamed into the network's trash (their hashes are
  deleted afterwards, a batch at a time, by purge_trash.lua), every other key goes at once
  (UNLINK frees large values in the background).
  Input:  KEYS[1] tasks  KEYS[2] extra hashes  KEYS[3] poppers (owners of pending lists)
          KEYS[4] workers  KEYS[5] trash (set of renamed lists and sets)
          KEYS[6 ..] other keys to delete: the task collections, and with the workers the
          registry keys (running/terminated workers, flags, worker configuration); poppers and
          workers go only with the workers
          ARGV[1] pending list prefix  ARGV[2] last pop prefix  ARGV[3] '1' to delete the
          workers' own keys too  ARGV[4] this reset's trash prefix
          ARGV[5 ..] prefixes of per-worker keys (info, heartbeat, log, flags)
  Output: the number of trash entries left to purge.
]]
local doomed = {}
local function flush()
  if #doomed > 0 then
    redis.call('UNLINK', unpack(doomed))
    doomed = {}
  end
end
local function add(key)
  doomed[#doomed + 1] = key
  if #doomed >= 1000 then flush() end
end
local function to_trash(key, name)
  if redis.call('EXISTS', key) == 1 then
    redis.call('RENAME', key, ARGV[4] .. name)
    redis.call('SADD', KEYS[5], ARGV[4] .. name)
  end
end
to_trash(KEYS[1], 'tasks')
to_trash(KEYS[2], 'extra_hashes')
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  add(ARGV[1] .. id)
  add(ARGV[2] .. id)
end
if ARGV[3] == '1' then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[4], 0, -1)) do
    for i = 5, #ARGV do add(ARGV[i] .. id) end
  end
  add(KEYS[3])
  add(KEYS[4])
end
for i = 6, #KEYS do add(KEYS[i]) end
flush()
return redis.call('SCARD', KEYS[5])
