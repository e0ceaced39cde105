--[[
  Moves running tasks to finished and stores their results. First writer wins: a task that is
  no longer running is left as it is.
  Input:  KEYS[1] running (set)  KEYS[2] finished (list)
          ARGV[1] task hash prefix  ARGV[2] events channel  ARGV[3] n, the number of fields
          ARGV[4 .. 3+n] field names, then per task: its key and its n encoded values
  Output: the keys that moved, in input order.
]]
local prefix = ARGV[1]
local n = tonumber(ARGV[3])
local moved = {}
for i = 4 + n, #ARGV, n + 1 do
  local key = ARGV[i]
  if redis.call('SREM', KEYS[1], key) == 1 then
    local args = { 'state', 'finished' }
    for j = 1, n do
      args[#args + 1] = ARGV[3 + j]
      args[#args + 1] = ARGV[i + j]
    end
    redis.call('HSET', prefix .. key, unpack(args))
    redis.call('RPUSH', KEYS[2], key)
    moved[#moved + 1] = key
  end
end
if #moved > 0 then
  redis.call('PUBLISH', ARGV[2], 'finished')
end
return moved
