-- Reads what deciding (or evolving) one partition's batch needs, in one round trip: the accounts it
-- touches, which of its requests were already decided, and how many facts the partition holds (what
-- the write will check nobody changed meanwhile).
--
-- KEYS: the namespace pointer, the checkpoint, then every account and request marker named below.
-- ARGV[1]: {namespace, defaultNamespace, followPointer, pointer, checkpoint, factsField,
--           accounts: [key], accountFields: [field], requests: [key]}
-- Returns {status: 'ok', facts, accounts: [[value per account field] per account], decided: [value or
-- false per request]} or {status: 'moved', namespace} when the pointer names another namespace.
local p = cjson.decode(ARGV[1])
if p.followPointer then
  local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
  if current ~= p.namespace then return cjson.encode({ status = 'moved', namespace = current }) end
end
local facts = redis.call('HGET', KEYS[p.checkpoint], p.factsField) or '0'
local accounts = {}
for i, key in ipairs(p.accounts) do accounts[i] = redis.call('HMGET', KEYS[key], unpack(p.accountFields)) end
local decided = {}
for i = 1, #p.requests, 500 do
  local keys = {}
  for k = i, math.min(i + 499, #p.requests) do keys[#keys + 1] = KEYS[p.requests[k]] end
  for _, value in ipairs(redis.call('MGET', unpack(keys))) do decided[#decided + 1] = value end
end
return cjson.encode({ status = 'ok', facts = facts, accounts = accounts, decided = decided })
