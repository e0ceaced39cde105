#!lua flags=no-writes
--- @keys tasks|finished finishedRecords
--- @include _msgpack _record
--[[
  Reads fields of tasks in one consistent step: a range of a list, or the keys given (a
  snapshot the client took with a plain LRANGE or SMEMBERS, read a chunk per call so no call
  holds the server for long). Returns them as ONE MessagePack document, so the client decodes
  a whole chunk in one pass instead of handling a bulk string per field. A finished task's
  values come from its record in the finished-records log. (Uses the helpers of _msgpack.lua
  and _record.lua.)
  Input:  KEYS[1] 'list': the list; 'keys': the network's task list, not read: it routes the
          call to the network's hash slot, which every task hash shares
          KEYS[2] finished records (list)
          ARGV[1] 'list' or 'keys'  ARGV[2] task hash prefix
          ARGV[3] first index  ARGV[4] last index ('list' only; -1 for the end)
          ARGV[5] one letter per field: 's' stored as a plain string, 'm' stored as MessagePack
          ARGV[6 .. 5+n] the n fields to read (n: the length of ARGV[5])
          ARGV[6+n ..] ('keys' only) the task keys
  Output: MessagePack array: size of the list (for 'keys': the number of keys), then per task:
          key, 1 if its hash exists else 0, the value of each field (undefined when absent).
]]
local prefix = ARGV[2]
local n = #ARGV[5]
local fields, is_string = {}, {}
for i = 1, n do
  fields[i] = ARGV[5 + i]
  is_string[i] = ARGV[5]:sub(i, i) == 's'
end

-- The record's place is read along when a value is asked for.
local asked = fields
if asks_values(fields) then asked = { unpack(fields) } asked[n + 1] = RECORD_INDEX end

local keys, size
if ARGV[1] == 'list' then
  size = redis.call('LLEN', KEYS[1])
  keys = redis.call('LRANGE', KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]))
else
  keys = {}
  for i = 6 + n, #ARGV do keys[#keys + 1] = ARGV[i] end
  size = #keys
end

local ONE, ZERO = char(1), char(0)
local parts = { mp_array_header(1 + #keys * (2 + n)), mp_uint(size) }
for _, key in ipairs(keys) do
  local hash = prefix .. key
  parts[#parts + 1] = mp_str_header(#key)
  parts[#parts + 1] = key
  local values = n > 0 and redis.call('HMGET', hash, unpack(asked)) or {}
  local exists = false
  for i = 1, #asked do
    if values[i] then exists = true break end
  end
  if not exists then exists = redis.call('EXISTS', hash) == 1 end
  if #asked > n then fill_from_record(KEYS[2], key, fields, values, values[n + 1]) end
  parts[#parts + 1] = exists and ONE or ZERO
  for i = 1, n do
    local v = values[i]
    if not v then
      parts[#parts + 1] = MP_ABSENT
    else
      if is_string[i] then parts[#parts + 1] = mp_str_header(#v) end
      parts[#parts + 1] = v
    end
  end
end
return table.concat(parts)
