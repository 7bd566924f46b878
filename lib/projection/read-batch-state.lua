-- Reads what deciding (or evolving) one partition's batch needs, in one round trip: the accounts it
-- touches, which of its requests were already decided, and how many facts the partition holds (what
-- the write will check nobody changed meanwhile).
--
-- KEYS: the namespace pointer, the checkpoint, then every account and request marker named below.
-- ARGV[1]: {namespace, defaultNamespace, followPointer, pointer, checkpoint, factsField, layoutField,
--           layout, strings: [key]}
-- Returns {status: 'ok', facts, values: [value or false per key of strings]}, {status: 'moved',
-- namespace} when the pointer names another namespace, or {status: 'layout', found} when the namespace
-- was written in another layout (found: its stamp, null when it has none): nothing is read from it.
local p = cjson.decode(ARGV[1])
if p.followPointer then
  local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
  if current ~= p.namespace then return cjson.encode({ status = 'moved', namespace = current }) end
end
local held = redis.call('HMGET', KEYS[p.checkpoint], p.factsField, p.layoutField)
if held[2] ~= p.layout and (held[2] or redis.call('EXISTS', KEYS[p.checkpoint]) == 1) then
  return cjson.encode({ status = 'layout', found = held[2] or cjson.null })
end
local facts = held[1] or '0'
local values = {}
for i = 1, #p.strings, 500 do -- unpack() is bounded by Lua's stack
  local keys = {}
  for k = i, math.min(i + 499, #p.strings) do keys[#keys + 1] = KEYS[p.strings[k]] end
  for _, value in ipairs(redis.call('MGET', unpack(keys))) do values[#values + 1] = value end
end
return cjson.encode({ status = 'ok', facts = facts, values = values })
