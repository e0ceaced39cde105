-- Reading a finished task's values back from its record (included after _msgpack.lua by the
-- scripts that read or write task values): its hash holds the record's place (mp_record), not
-- the values, so each value is stored once. A value is rebuilt as the bytes it was stored as:
-- a map's entries cut out of the record under a map header, or an item of an array record.
-- Anything foreign (a place or record another writer changed, a log that is gone) makes the
-- values UNREADABLE: bytes no decoder accepts, so readers drop the task with a warning, as for
-- any undecodable value (0xc1, the one byte MessagePack never uses).
local UNREADABLE = '\193'
-- The fixstr names that may follow the values in a flat record (see mp_record).
local AFTER_VALUES = { worker_id = true, created_at = true, started_at = true,
  finished_at = true, tries = true, key = true }

-- The numbers of a place after its kind letter (varints, see _msgpack.lua), decoded in one
-- pass over its bytes (reads by key do this per task: no call per number); nil when one is cut
-- short or too large to be an index.
local function place_numbers(place)
  local bytes = { place:byte(2, -1) }
  local nums, n, scale = {}, 0, 1
  for i = 1, #bytes do
    local b = bytes[i]
    if b < 128 then
      nums[#nums + 1] = n + b * scale
      n, scale = 0, 1
    else
      n = n + (b - 128) * scale
      scale = scale * 128
      if scale > 2 ^ 35 then return nil end
    end
  end
  if scale ~= 1 then return nil end
  return nums
end

-- The values in a flat record `r` (a map) as the place's numbers `nums` say; nil when they do
-- not fit it.
local function flat_values(r, key, nums)
  local b = r:byte(1) or 0
  local h
  if b >= 0x80 and b <= 0x8f then h = 1 elseif b == 0xde then h = 3 elseif b == 0xdf then h = 5 else return nil end
  -- The record ends with its task's key (mp_record), and starts with it after the header.
  local key_entry = char(0xa3) .. 'key' .. mp_str_header(#key) .. key
  if r:sub(-#key_entry) ~= key_entry then return nil end
  local pos, at, v = h + #key_entry + 1, 2, {}
  for i = 1, 5 do
    local n = nums[at]
    if not n then return nil end
    at = at + 1
    if n > 0 then
      local len, header = n - 1, ''
      if i <= 4 then
        len = nums[at]
        if not len then return nil end
        at = at + 1
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
  if nums[at] or not name or name < 0xa0 or name > 0xbf then return nil end
  if not AFTER_VALUES[r:sub(pos + 1, pos + name - 0xa0)] then return nil end
  return v
end

-- The values in an array record `r` ({ key, v1, ..., v10 }) as the place's numbers say.
local function array_values(r, key, nums)
  local head = char(0x9b) .. mp_str_header(#key) .. key
  if r:sub(1, #head) ~= head or #nums ~= 6 then return nil end
  local pos, v = #head + 1, {}
  for i = 1, 5 do
    local len = nums[i + 1]
    if pos + len > #r + 1 then return nil end
    local value = r:sub(pos, pos + len - 1)
    if value ~= MP_ABSENT then v[i] = value end
    pos = pos + len
  end
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
  local nums = place_numbers(place)
  if not nums or not nums[1] then return nil end
  local index = nums[1]
  local r = redis.call('LINDEX', records, index)
  if not r then return nil end
  if kind == 'F' then return flat_values(r, key, nums), index end
  return array_values(r, key, nums), index
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
