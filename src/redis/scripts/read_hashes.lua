#!lua flags=no-writes
--- @keys tasks finishedRecords
--- @include _msgpack _record
--[[
  Reads fields of the given hashes (tasks, or hashes written with writeHashes); a finished
  task's values come from its record in the finished-records log (see _record.lua).
  Input:  KEYS[1] the network's task list: not read; it routes the call to the network's hash
          slot, which every hash below shares (their keys carry the network's hash tag)
          KEYS[2] finished records (list)
          ARGV[1] hash prefix  ARGV[2] n, the number of fields  ARGV[3 .. 2+n] fields
          ARGV[3+n ..] keys
  Output: per key: 1 if its hash exists else 0, then the value of each field.
]]
local prefix = ARGV[1]
local n = tonumber(ARGV[2])
local fields = { unpack(ARGV, 3, 2 + n) }
-- The record's place is read along when a value is asked for.
local asked = fields
if asks_values(fields) then asked = { unpack(fields) } asked[n + 1] = RECORD_INDEX end
local out = {}
for i = 3 + n, #ARGV do
  local hash = prefix .. ARGV[i]
  local values = redis.call('HMGET', hash, unpack(asked))
  local exists = 0
  for j = 1, #asked do
    if values[j] then exists = 1 break end
  end
  if exists == 0 then exists = redis.call('EXISTS', hash) end
  if #asked > n then fill_from_record(KEYS[2], ARGV[i], fields, values, values[n + 1]) end
  out[#out + 1] = exists
  for j = 1, n do
    out[#out + 1] = values[j]
  end
end
return out
