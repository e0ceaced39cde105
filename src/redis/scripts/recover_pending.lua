--- @keys poppers queued
--[[
  Puts back at the head of the queue the tasks stranded in managers' pending lists: a manager's
  blocking pop moves a task there and claims it at once, so a task still there belongs to a
  manager that died in between. (A live manager whose claim loses this race finds nothing to
  claim and waits on: the task is queued again, never lost nor taken twice.)
  Input:  KEYS[1] poppers (set)  KEYS[2] queued (list)
          ARGV[1] pending list prefix  ARGV[2] the prefix of managers' ids
  Output: the number of tasks put back.
]]
local moved = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if id:sub(1, #ARGV[2]) == ARGV[2] then
    local pending = ARGV[1] .. id
    while redis.call('LMOVE', pending, KEYS[2], 'RIGHT', 'LEFT') do
      moved = moved + 1
    end
  end
end
return moved
