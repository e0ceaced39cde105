-- MessagePack framing helpers, prepended to the scripts that build MessagePack in Lua.
-- Stored task values are MessagePack already and are copied in as they are.
-- A line marked `--- @per-call` runs at the start of every call: in a script, where it stands;
-- in the function library (library.ts), whose top level runs once at load and may use no
-- global but `redis`, it is declared where it stands and assigned at each function's start.
local char, floor = string.char, math.floor --- @per-call
local function be32(n)
  return char(floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
end
local function mp_str_header(len)
  if len < 32 then return char(0xa0 + len) end
  if len < 256 then return char(0xd9, len) end
  if len < 65536 then return char(0xda, floor(len / 256), len % 256) end
  return char(0xdb) .. be32(len)
end
local function mp_array_header(count)
  if count < 16 then return char(0x90 + count) end
  if count < 65536 then return char(0xdc, floor(count / 256), count % 256) end
  return char(0xdd) .. be32(count)
end
local function mp_uint(v)
  if v < 128 then return char(v) end
  return char(0xce) .. be32(v)
end
-- An absent field is MessagePack's `undefined` (msgpackr's fixext 0: bytes 0xd4 0 0), not nil:
-- nil is a stored null.
local MP_ABSENT = '\212\0\0'
-- The entry count and the body (entries without header) of an encoded map; nil if not a map.
-- Stored values may be anything (another writer, corrupted bytes): a short one is no map.
local function mp_map_parts(m)
  local b = m:byte(1)
  if not b then return nil end
  if b >= 0x80 and b <= 0x8f then return b - 0x80, m:sub(2) end
  if b == 0xde and #m >= 3 then return m:byte(2) * 256 + m:byte(3), m:sub(4) end
  if b == 0xdf and #m >= 5 then return ((m:byte(2) * 256 + m:byte(3)) * 256 + m:byte(4)) * 256 + m:byte(5), m:sub(6) end
  return nil
end
local function mp_map_header(count)
  if count < 16 then return char(0x80 + count) end
  if count < 65536 then return char(0xde, floor(count / 256), count % 256) end
  return char(0xdf) .. be32(count)
end
-- The entry count and the body (items without header) of an encoded array; nil if not an array.
local function mp_array_parts(a)
  local b = a:byte(1)
  if b >= 0x90 and b <= 0x9f then return b - 0x90, a:sub(2) end
  if b == 0xdc then return a:byte(2) * 256 + a:byte(3), a:sub(4) end
  if b == 0xdd then return ((a:byte(2) * 256 + a:byte(3)) * 256 + a:byte(4)) * 256 + a:byte(5), a:sub(6) end
  return nil
end
-- The value of an unsigned integer as mp_uint (or msgpackr) writes it; 0 for nil.
local function mp_read_uint(s)
  if not s then return 0 end
  local b = s:byte(1)
  if b < 0x80 then return b end
  if b == 0xcc then return s:byte(2) end
  if b == 0xcd then return s:byte(2) * 256 + s:byte(3) end
  if b == 0xce then return ((s:byte(2) * 256 + s:byte(3)) * 256 + s:byte(4)) * 256 + s:byte(5) end
  return 0
end
-- A number as a MessagePack float 64: what the task timestamps are stored as (every reader
-- decodes them as plain numbers, and milliseconds since the epoch are exact in a double).
local function mp_float(v)
  return char(0xcb) .. struct.pack('>d', v)
end
-- The server's clock in milliseconds since the epoch: one TIME per script call, so every
-- timestamp a call writes is the same instant, and every host agrees on the clock.
local clock_ms = nil --- @per-call
local function now_ms()
  if not clock_ms then
    local t = redis.call('TIME')
    clock_ms = tonumber(t[1]) * 1000 + floor(tonumber(t[2]) / 1000)
  end
  return clock_ms
end
-- The fields of a finished task's record, in record order after the key (the order of
-- TASK_FIELDS in src/tasks/fields.ts), and the names of the timestamp and try fields as
-- MessagePack strings.
local RECORD_FIELDS = { 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition', 'worker_id',
  'created_at', 'started_at', 'finished_at', 'tries' }
local NUMBER_FIELDS = { 'created_at', 'started_at', 'finished_at', 'tries' }
-- A number as a varint (7 bits a byte, low bits first): the parts of a record's place.
local function varint(n)
  local out = ''
  while n >= 128 do
    out = out .. char(n % 128 + 128)
    n = floor(n / 128)
  end
  return out .. char(n)
end
-- A finished task's record for the finished-records log, from `v`, the values of
-- RECORD_FIELDS (by index, nil where absent), and its shape: where each of xs, ys, xs_extra,
-- ys_extra and condition sits inside it (mp_place adds where the record is in the log; the
-- task's hash keeps that place, not the values, which _record.lua reads back from the record:
-- each value is stored once). When its inputs, outputs and extras are all maps (the usual case) the record is
-- the task's row, flattened already: one map of key, the entries of xs, ys, xs_extra and
-- ys_extra, then condition, worker_id, the timestamps and tries, and key again last (so a
-- column named `key` cannot hide it), which a reader decodes straight into a row; its place is
-- 'F', the index, then per map 0 (absent) or its entry count + 1 and byte length, then 0 or
-- condition's byte length + 1. Otherwise the record is the array { key, v[1], ..., v[10] } and
-- its shape 'A', then the byte length of each of v[1] .. v[5].
local function mp_record(key, v)
  local key_entry = char(0xa3) .. 'key' .. mp_str_header(#key) .. key
  local worker_id = v[6]
  local worker = nil
  if worker_id and worker_id ~= '' then worker = mp_str_header(#worker_id) .. worker_id end
  local parts, count = { '', key_entry }, 2
  local place = { 'F' }
  local flat = true
  for i = 1, 4 do
    local value = v[i]
    if value then
      local n, body = mp_map_parts(value)
      if not n then
        flat = false
        break
      end
      count = count + n
      parts[#parts + 1] = body
      place[#place + 1] = varint(n + 1) .. varint(#body)
    else
      place[#place + 1] = char(0)
    end
  end
  if flat then
    if v[5] then
      parts[#parts + 1] = char(0xa9) .. 'condition' .. v[5]
      count = count + 1
      place[#place + 1] = varint(#v[5] + 1)
    else
      place[#place + 1] = char(0)
    end
    if worker then
      parts[#parts + 1] = char(0xa9) .. 'worker_id' .. worker
      count = count + 1
    end
    for i = 7, 10 do
      if v[i] then
        local name = RECORD_FIELDS[i]
        parts[#parts + 1] = mp_str_header(#name) .. name .. v[i]
        count = count + 1
      end
    end
    parts[#parts + 1] = key_entry
    parts[1] = mp_map_header(count)
    return table.concat(parts), table.concat(place)
  end
  local out = { char(0x9b), mp_str_header(#key), key }
  place = { 'A' }
  for i = 1, 10 do
    local value
    if i == 6 then value = worker or MP_ABSENT else value = v[i] or MP_ABSENT end
    out[#out + 1] = value
    if i <= 5 then place[#place + 1] = varint(#value) end
  end
  return table.concat(out), table.concat(place)
end
-- The place of a record of `shape` at `index` in the log: its kind letter, the index, the rest.
local function mp_place(shape, index)
  return shape:sub(1, 1) .. varint(index) .. shape:sub(2)
end
-- The hash field that holds the place of a finished task's record (see mp_record; a plain
-- index in hashes written before values were stored once, which still hold their values).
local RECORD_INDEX = 'finished_index'
-- The fields a finished task's record holds and its hash does not.
local VALUE_FIELDS = { xs = 1, ys = 2, xs_extra = 3, ys_extra = 4, condition = 5 }
-- Rewrites a finished task's hash without its values (its record holds them), with `set`
-- (field, value, ...) over what it held: DEL then HSET, because Redis never turns a hash that
-- once held a long value back into a compact listpack.
local function store_without_values(hash, all, set)
  local replaced = {}
  for i = 1, #set, 2 do replaced[set[i]] = true end
  local args = {}
  for i = 1, #all, 2 do
    local field = all[i]
    if not VALUE_FIELDS[field] and not replaced[field] then
      args[#args + 1] = field
      args[#args + 1] = all[i + 1]
    end
  end
  for i = 1, #set do args[#args + 1] = set[i] end
  redis.call('DEL', hash)
  redis.call('HSET', hash, unpack(args))
end
