-- Reads what deciding (or evolving) one partition's batch needs, in one round trip: the accounts it
-- touches and which of its requests were already decided.
--
-- KEYS: the namespace pointer, then every account and transaction key named below.
-- ARGV[1]: {namespace, defaultNamespace, followPointer, pointer: index,
--           accounts: [index], decisions: [{key: index, field}]}
-- Returns {status: 'ok', accounts: [[field, value, ...] per account, empty when absent],
--          decided: [value or '' per decision]}
-- or {status: 'moved', namespace} when the pointer names another namespace than the one the keys are in.
local p = cjson.decode(ARGV[1])
if p.followPointer then
  local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
  if current ~= p.namespace then return cjson.encode({ status = 'moved', namespace = current }) end
end
local accounts = {}
for i, key in ipairs(p.accounts) do accounts[i] = redis.call('HGETALL', KEYS[key]) end
local decided = {}
for i, decision in ipairs(p.decisions) do
  decided[i] = redis.call('HGET', KEYS[decision.key], decision.field) or ''
end
return cjson.encode({ status = 'ok', accounts = accounts, decided = decided })
