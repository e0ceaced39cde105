--- @keys extraHashes finishedRecords
--- @include _msgpack
--[[
  Writes fields to hashes (writeHashes). Hashes that are not tasks are remembered, so that
  `reset` removes them too; a finished task's record in the finished-records log is rewritten,
  so that every read agrees (one truth per task). (Uses the helpers of _msgpack.lua.)
  Input:  KEYS[1] extra hashes (set)  KEYS[2] finished records (list)
          ARGV[1] hash prefix  ARGV[2] n, the number of fields  ARGV[3 .. 2+n] field names,
          then per hash: its key and its n encoded values
  Output: the number of hashes written.
]]
local prefix = ARGV[1]
local n = tonumber(ARGV[2])
local written = 0
for i = 3 + n, #ARGV, n + 1 do
  local key = ARGV[i]
  local hash = prefix .. key
  local args = {}
  for j = 1, n do
    args[#args + 1] = ARGV[2 + j]
    args[#args + 1] = ARGV[i + j]
  end
  redis.call('HSET', hash, unpack(args))
  local state = redis.call('HGET', hash, 'state')
  if not state then
    redis.call('SADD', KEYS[1], key)
  elseif state == 'finished' then
    rewrite_record(KEYS[2], hash, key)
  end
  written = written + 1
end
return written
