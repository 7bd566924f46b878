-- Applies one partition's decided (or replayed) batch atomically, or refuses it when the state moved
-- since it was read: another invocation of the same partition overlapped, or a rebuild switched
-- namespaces. Every guard runs before any write, so a refusal writes nothing.
--
-- KEYS: every key named below, by index.
-- ARGV[1]:
--   followPointer, pointer, namespace, defaultNamespace  refuse unless the pointer names this namespace
--   accounts: [{key, expectedVersion, fields?}]          refuse unless each version is as read; write fields
--   decisions: [{key, field, expected, value}]           refuse unless each marker is as read; set it
--   history: [{key, score, entry}]                      entry: index in ARGV of the entry's JSON
--   transactions: [{key, stage, fields}]                 written only over a lower stage (later steps win)
--   totals: {key, deltas: {field: delta}}
--   checkpoint: {key, offsetField?, offset?, follows?, countField, added}
--                                                        refuse unless the offset reached `follows`
--   outbox: {key, acknowledged: [field], add: [{field, message}], returnPending}
--                                                        message: index in ARGV of the message's JSON
--   fates: [{key, transactionId, abandoned}], fateTtl    refuse unless each is abandoned exactly when the
--                                                        decision says so; then set each to 'decided'
-- ARGV[2…]: the history entries and outbox messages, passed as they are rather than inside ARGV[1],
-- so that Lua never decodes or re-escapes them.
-- Returns {status: 'ok', pending: [outbox field]}, {status: 'conflict', reason},
-- {status: 'lost', checkpoint} when the partition's checkpoint is missing or behind `follows`, or
-- {status: 'abandoned', transactions: [id]} when commands were abandoned since the batch was decided.
local p = cjson.decode(ARGV[1])
local function conflict(reason) return cjson.encode({ status = 'conflict', reason = reason }) end
local function hset(key, fields)
  local args = {}
  for name, value in pairs(fields) do
    args[#args + 1] = name
    args[#args + 1] = value
  end
  if #args > 0 then redis.call('HSET', key, unpack(args)) end
end

-- First: a projection that lost state must not be decided against, whatever else holds.
if p.checkpoint.follows then
  local reached = redis.call('HGET', KEYS[p.checkpoint.key], p.checkpoint.offsetField)
  if (not reached and p.checkpoint.follows ~= '-1') or (reached and tonumber(reached) < tonumber(p.checkpoint.follows)) then
    return cjson.encode({ status = 'lost', checkpoint = reached or cjson.null })
  end
end
if p.followPointer then
  local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
  if current ~= p.namespace then return conflict('namespace_switched') end
end
for _, account in ipairs(p.accounts) do
  local version = redis.call('HGET', KEYS[account.key], 'version') or '0'
  if version ~= account.expectedVersion then return conflict('account_changed') end
end
for _, decision in ipairs(p.decisions) do
  local current = redis.call('HGET', KEYS[decision.key], decision.field) or ''
  if current ~= decision.expected then return conflict('already_decided') end
end
local abandoned = {}
for _, fate in ipairs(p.fates) do
  local isAbandoned = redis.call('GET', KEYS[fate.key]) == 'abandoned'
  if fate.abandoned and not isAbandoned then return conflict('fate_changed') end
  if isAbandoned and not fate.abandoned then abandoned[#abandoned + 1] = fate.transactionId end
end
if #abandoned > 0 then return cjson.encode({ status = 'abandoned', transactions = abandoned }) end

for _, fate in ipairs(p.fates) do
  redis.call('SET', KEYS[fate.key], 'decided', 'EX', p.fateTtl)
end
for _, account in ipairs(p.accounts) do
  if account.fields then hset(KEYS[account.key], account.fields) end
end
for _, decision in ipairs(p.decisions) do
  redis.call('HSET', KEYS[decision.key], decision.field, decision.value)
end
for _, entry in ipairs(p.history) do
  redis.call('ZADD', KEYS[entry.key], entry.score, ARGV[entry.entry])
end
for _, tx in ipairs(p.transactions) do
  local stage = tonumber(redis.call('HGET', KEYS[tx.key], 'stage') or '-1')
  if tonumber(tx.stage) > stage then
    tx.fields.stage = tx.stage
    hset(KEYS[tx.key], tx.fields)
  end
end
for field, delta in pairs(p.totals.deltas) do
  if delta ~= '0' then redis.call('HINCRBY', KEYS[p.totals.key], field, delta) end
end
local checkpoint = KEYS[p.checkpoint.key]
if p.checkpoint.offsetField then
  local previous = tonumber(redis.call('HGET', checkpoint, p.checkpoint.offsetField) or '-1')
  if tonumber(p.checkpoint.offset) > previous then
    redis.call('HSET', checkpoint, p.checkpoint.offsetField, p.checkpoint.offset)
  end
end
if p.checkpoint.added ~= '0' then redis.call('HINCRBY', checkpoint, p.checkpoint.countField, p.checkpoint.added) end
-- Each partition has its own outbox, drained only by that partition's invocations, in position order.
local outbox = KEYS[p.outbox.key]
for i = 1, #p.outbox.acknowledged, 500 do
  redis.call('HDEL', outbox, unpack(p.outbox.acknowledged, i, math.min(i + 499, #p.outbox.acknowledged)))
end
if #p.outbox.add > 0 then
  local args = {}
  for _, message in ipairs(p.outbox.add) do
    args[#args + 1] = message.field
    args[#args + 1] = ARGV[message.message]
  end
  redis.call('HSET', outbox, unpack(args))
end
-- Positions only: the caller holds this batch's messages already and fetches any others (left by a
-- crash) separately, so the common reply stays small.
local pending = {}
if p.outbox.returnPending then pending = redis.call('HKEYS', outbox) end
return cjson.encode({ status = 'ok', pending = pending })
