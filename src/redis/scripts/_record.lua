-- Reading a finished task's values back from its record (included after _msgpack.lua by the
-- scripts that read or write task values): its hash holds the record's place (mp_record), not
-- the values, so each value is stored once. A value is rebuilt as the bytes it was stored as:
-- a map's entries cut out of the record under a map header, or an item of an array record.
-- Anything foreign (a place or record another writer changed, a log that is gone) makes the
-- values UNREADABLE: bytes no decoder accepts, so readers drop the task with a warning, as for
-- any undecodable value.
local UNREADABLE = char(0xc1)
-- The fixstr names that may follow the values in a flat record (see mp_record).
local AFTER_VALUES = { worker_id = true, created_at = true, started_at = true,
  finished_at = true, tries = true, key = true }

-- A varint of `s` at `pos` (see varint in _msgpack.lua), and the position after it; nil when cut.
local function read_varint(s, pos)
  local n, scale = 0, 1
  while scale < 2 ^ 35 do
    local b = s:byte(pos)
    if not b then return nil end
    pos = pos + 1
    if b < 128 then return n + b * scale, pos end
    n = n + (b - 128) * scale
    scale = scale * 128
  end
  return nil
end

-- The values in a flat record `r` (a map) as `place` (from `at`) says; nil when they do not fit.
local function flat_values(r, key, place, at)
  local b = r:byte(1) or 0
  local h
  if b >= 0x80 and b <= 0x8f then h = 1 elseif b == 0xde then h = 3 elseif b == 0xdf then h = 5 else return nil end
  local key_entry = char(0xa3) .. 'key' .. mp_str_header(#key) .. key
  if r:sub(h + 1, h + #key_entry) ~= key_entry or r:sub(-#key_entry) ~= key_entry then return nil end
  local pos, v = h + #key_entry + 1, {}
  for i = 1, 5 do
    local n
    n, at = read_varint(place, at)
    if not n then return nil end
    if n > 0 then
      local len = n - 1
      local header = ''
      if i <= 4 then
        len, at = read_varint(place, at)
        if not len then return nil end
        header = mp_map_header(n - 1)
      elseif r:sub(pos, pos + 9) == char(0xa9) .. 'condition' then
        pos = pos + 10
      else
        return nil
      end
      if pos + len > #r then return nil end
      v[i] = header .. r:sub(pos, pos + len - 1)
      pos = pos + len
    end
  end
  -- What follows the values must be the next field's name: a cut in the wrong place is no place.
  local name = r:byte(pos)
  if at <= #place or not name or name < 0xa0 or name > 0xbf then return nil end
  if not AFTER_VALUES[r:sub(pos + 1, pos + name - 0xa0)] then return nil end
  return v
end

-- The values in an array record `r` ({ key, v1, ..., v10 }) as `place` (from `at`) says.
local function array_values(r, key, place, at)
  local head = char(0x9b) .. mp_str_header(#key) .. key
  if r:sub(1, #head) ~= head then return nil end
  local pos, v = #head + 1, {}
  for i = 1, 5 do
    local len
    len, at = read_varint(place, at)
    if not len or pos + len > #r + 1 then return nil end
    local value = r:sub(pos, pos + len - 1)
    if value ~= MP_ABSENT then v[i] = value end
    pos = pos + len
  end
  if at <= #place then return nil end
  return v
end

-- The values (by VALUE_FIELDS index, nil where absent) of the finished task `key` whose hash
-- holds `place`, and the record's index in the log; {} for a plain index (the hash holds the
-- values); nil when the place or the record is not rushnet's.
local function record_values(records, key, place)
  local kind = place:sub(1, 1)
  if kind ~= 'F' and kind ~= 'A' then
    local index = tonumber(place)
    if index then return {}, index end
    return nil
  end
  local index, at = read_varint(place, 2)
  if not index then return nil end
  local r = redis.call('LINDEX', records, index)
  if not r then return nil end
  if kind == 'F' then return flat_values(r, key, place, at), index end
  return array_values(r, key, place, at), index
end

-- Whether `fields` names a value a finished task's record holds.
local function asks_values(fields)
  for _, field in ipairs(fields) do
    if VALUE_FIELDS[field] then return true end
  end
  return false
end

-- Fills `values` (HMGET of `fields` from the hash of task `key`) with the values its record
-- holds and its hash does not, when the hash holds a record's `place`: a value the hash holds
-- wins (a hash written before values were stored once).
local function fill_from_record(records, key, fields, values, place)
  if not place then return end
  local v = false
  for i, field in ipairs(fields) do
    local at = VALUE_FIELDS[field]
    if at and not values[i] then
      if v == false then v = record_values(records, key, place) end
      if v then values[i] = v[at] or false else values[i] = UNREADABLE end
    end
  end
end
