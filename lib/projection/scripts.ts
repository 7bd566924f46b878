/**
 * The two Lua scripts through which the projector touches Redis: one read and one write per batch,
 * whatever the batch size. They are written by hand because no library applies a decided batch
 * atomically; they hold no business rules — those are decided in TypeScript (`lib/domain`) — only
 * the guards that keep a write from landing on a state other than the one it was decided on.
 *
 * Both take one JSON argument and return one JSON string, so the reply shape is ours and no client
 * deserialisation gets in the way. Numbers travel as strings: Lua's doubles are exact only to 2^53.
 */

/**
 * Reads what deciding a batch needs: the namespace in use, the accounts the batch touches and which
 * of its event ids were already applied.
 *
 * ARGV[1]: `{prefix, defaultNamespace, namespace?, accounts: [id], events: [id]}`.
 * Returns `{namespace, accounts: {id: {field: value}}, seen: [id]}`.
 */
export const READ_BATCH_STATE_LUA = `
local req = cjson.decode(ARGV[1])
local ns = req.namespace
if ns == nil or ns == cjson.null then
  ns = redis.call('GET', req.prefix .. ':projection:current') or req.defaultNamespace
end
local root = req.prefix .. ':ns:' .. ns
local accounts = {}
for _, id in ipairs(req.accounts) do
  local flat = redis.call('HGETALL', root .. ':acct:' .. id)
  if #flat > 0 then
    local account = {}
    for i = 1, #flat, 2 do account[flat[i]] = flat[i + 1] end
    accounts[id] = account
  end
end
local seen = {}
for _, id in ipairs(req.events) do
  if redis.call('SISMEMBER', root .. ':seen', id) == 1 then seen[#seen + 1] = id end
end
return cjson.encode({ namespace = ns, accounts = accounts, seen = seen })
`;

/**
 * Applies a decided batch atomically, or refuses it when the state moved since it was read (another
 * invocation of the same partition overlapped, or a rebuild switched namespaces).
 *
 * ARGV[1]: a {@link BatchWrite} as JSON. Returns `{status: "ok", outbox: [eventId, json, ...]}` or
 * `{status: "conflict", reason}`.
 */
export const APPLY_BATCH_LUA = `
local p = cjson.decode(ARGV[1])
local function conflict(reason) return cjson.encode({ status = 'conflict', reason = reason }) end
if p.followPointer then
  local current = redis.call('GET', p.prefix .. ':projection:current') or p.defaultNamespace
  if current ~= p.namespace then return conflict('namespace_switched') end
end
local root = p.prefix .. ':ns:' .. p.namespace
for _, guard in ipairs(p.expectedVersions) do
  local version = redis.call('HGET', root .. ':acct:' .. guard[1], 'version') or '0'
  if version ~= guard[2] then return conflict('account_changed') end
end
for _, id in ipairs(p.applied) do
  if redis.call('SISMEMBER', root .. ':seen', id) == 1 then return conflict('event_already_applied') end
end
for i = 1, #p.applied, 500 do
  redis.call('SADD', root .. ':seen', unpack(p.applied, i, math.min(i + 499, #p.applied)))
end
for _, account in ipairs(p.accounts) do
  redis.call('HSET', root .. ':acct:' .. account[1], unpack(account[2]))
end
for _, entry in ipairs(p.history) do
  redis.call('ZADD', root .. ':hist:' .. entry[1], entry[2], entry[3])
end
for _, tx in ipairs(p.transactions) do
  local key = root .. ':tx:' .. tx[1]
  local stage = tonumber(redis.call('HGET', key, 'stage') or '-1')
  if tonumber(tx[2]) > stage then redis.call('HSET', key, 'stage', tx[2], unpack(tx[3])) end
end
for field, delta in pairs(p.totals) do
  if delta ~= '0' then redis.call('HINCRBY', root .. ':totals', field, delta) end
end
-- Each partition has its own outbox, drained only by that partition's invocations: two partitions
-- never publish each other's messages twice.
local outboxKey = root .. ':outbox:' .. p.topicPartition
for i = 1, #p.acknowledgedOutbox, 500 do
  redis.call('HDEL', outboxKey, unpack(p.acknowledgedOutbox, i, math.min(i + 499, #p.acknowledgedOutbox)))
end
for _, message in ipairs(p.outbox) do
  redis.call('HSET', outboxKey, message[1], message[2])
end
for _, letter in ipairs(p.deadLetters) do
  redis.call('HSETNX', root .. ':dead-letters', letter[1], letter[2])
end
for _, checkpoint in ipairs(p.checkpoints) do
  local previous = tonumber(redis.call('HGET', root .. ':checkpoint', checkpoint[1]) or '-1')
  if tonumber(checkpoint[2]) > previous then redis.call('HSET', root .. ':checkpoint', checkpoint[1], checkpoint[2]) end
end
local outbox = {}
if p.returnOutbox then outbox = redis.call('HGETALL', outboxKey) end
return cjson.encode({ status = 'ok', outbox = outbox })
`;
