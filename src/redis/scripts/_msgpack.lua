-- MessagePack framing helpers, prepended to the scripts that build MessagePack in Lua.
-- Stored task values are MessagePack already and are copied in as they are.
local char = string.char
local floor = math.floor
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
-- An absent field is MessagePack's `undefined` (msgpackr's fixext 0), not nil: nil is a stored null.
local MP_ABSENT = char(0xd4, 0, 0)
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
-- A finished task's record for the finished-records log. When its inputs, outputs and extras are
-- all maps (the usual case) it is the task's row, flattened already: one map of key, the
-- entries of xs, ys, xs_extra and ys_extra, then condition and worker_id, and key again last
-- (so a column named `key` cannot hide it), which a reader decodes straight into a row.
-- Otherwise it is the array { key, xs, ys, xs_extra, ys_extra, condition, worker_id }.
local function mp_record(key, xs, ys, xs_extra, ys_extra, condition, worker_id)
  local key_entry = char(0xa3) .. 'key' .. mp_str_header(#key) .. key
  local worker = nil
  if worker_id and worker_id ~= '' then worker = mp_str_header(#worker_id) .. worker_id end
  local parts, count = { '', key_entry }, 2
  local flat = true
  for _, value in ipairs({ xs or false, ys or false, xs_extra or false, ys_extra or false }) do
    if value then
      local n, body = mp_map_parts(value)
      if not n then
        flat = false
        break
      end
      count = count + n
      parts[#parts + 1] = body
    end
  end
  if flat then
    if condition then
      parts[#parts + 1] = char(0xa9) .. 'condition' .. condition
      count = count + 1
    end
    if worker then
      parts[#parts + 1] = char(0xa9) .. 'worker_id' .. worker
      count = count + 1
    end
    parts[#parts + 1] = key_entry
    parts[1] = mp_map_header(count)
    return table.concat(parts)
  end
  return table.concat({
    char(0x97), mp_str_header(#key), key, xs or MP_ABSENT, ys or MP_ABSENT, xs_extra or MP_ABSENT,
    ys_extra or MP_ABSENT, condition or MP_ABSENT, worker or MP_ABSENT,
  })
end
-- The task fields a record holds, in record order (after the key), and the hash field that
-- remembers where the record of a finished task is, so a later write can rewrite it.
local RECORD_INDEX = 'finished_index'
-- Rewrites a finished task's record from its hash (after a write changed the hash).
local function rewrite_record(records_key, hash, key)
  local v = redis.call('HMGET', hash, 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition', 'worker_id', RECORD_INDEX)
  local index = v[7] and tonumber(v[7])
  if index and redis.call('LLEN', records_key) > index then
    redis.call('LSET', records_key, index, mp_record(key, v[1], v[2], v[3], v[4], v[5], v[6]))
  end
end
