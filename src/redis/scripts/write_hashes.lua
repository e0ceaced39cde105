--- @keys extraHashes finishedRecords
--- @include _msgpack _record
--[[
  Writes fields to hashes (writeHashes). Hashes that are not tasks are remembered, so that
  `reset` removes them too. A value written to a finished task goes into its record in the
  finished-records log, which is rewritten with the values it held besides, and the hash gets
  the new record's place, so that every read agrees (one truth per task, stored once). (Uses
  the helpers of _msgpack.lua and _record.lua.)
  Input:  KEYS[1] extra hashes (set)  KEYS[2] finished records (list)
          ARGV[1] hash prefix  ARGV[2] n, the number of fields  ARGV[3 .. 2+n] field names,
          then per hash: its key and its n encoded values
  Output: the number of hashes written.
]]
local prefix = ARGV[1]
local n = tonumber(ARGV[2])
local fields = { unpack(ARGV, 3, 2 + n) }
local writes_values = asks_values(fields)

-- Writes `args` (field, value, ...) to the finished task `key` through its record; false when
-- its record cannot be read (a foreign writer): then the hash takes the values, and they win.
local function write_finished(hash, key, args)
  local all = redis.call('HGETALL', hash)
  local held = {}
  for i = 1, #all, 2 do held[all[i]] = all[i + 1] end
  local place = held[RECORD_INDEX]
  if not place then return false end
  local stored, index = record_values(KEYS[2], key, place)
  if not stored or redis.call('LLEN', KEYS[2]) <= index then return false end
  local v = {}
  for i, field in ipairs(RECORD_FIELDS) do v[i] = held[field] or stored[i] end
  local rest = {}
  for i = 1, #args, 2 do
    local at = VALUE_FIELDS[args[i]]
    if at then
      v[at] = args[i + 1]
    else
      rest[#rest + 1] = args[i]
      rest[#rest + 1] = args[i + 1]
    end
  end
  local record, shape = mp_record(key, v)
  rest[#rest + 1] = RECORD_INDEX
  rest[#rest + 1] = mp_place(shape, index)
  redis.call('LSET', KEYS[2], index, record)
  store_without_values(hash, all, rest)
  return true
end

local written = 0
for i = 3 + n, #ARGV, n + 1 do
  local key = ARGV[i]
  local hash = prefix .. key
  local args = {}
  for j = 1, n do
    args[#args + 1] = fields[j]
    args[#args + 1] = ARGV[i + j]
  end
  local state = redis.call('HGET', hash, 'state')
  if not (state == 'finished' and writes_values and write_finished(hash, key, args)) then
    redis.call('HSET', hash, unpack(args))
    if not state then redis.call('SADD', KEYS[1], key) end
  end
  written = written + 1
end
return written
