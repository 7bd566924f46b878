-- Applies one partition's decided (or replayed) batch atomically, or refuses it when the state moved
-- since it was read: another invocation of the same partition wrote in between, a request was already
-- decided, a command was abandoned, or a rebuild switched namespaces; or refuses it because the
-- projection lost the state the consumer's offsets imply. Every guard runs before any write, so a
-- refusal writes nothing. It knows no business rule: it compares what it is told to compare, and writes what it is
-- told to write, with as few commands as Redis allows (Upstash bills each one).
--
-- KEYS: every key the batch touches, each once. ARGV[1]: the plan below, as JSON; it names keys by
-- their index in KEYS, and hands the values over as ranges of ARGV (`{from, to}`, inclusive), which go
-- to Redis as they are: values are neither escaped into the JSON nor decoded from it.
--   pointer, namespace, defaultNamespace  with followPointer: refuse unless the pointer names namespace
--   layout, layoutField                   before anything: refuse a namespace whose checkpoint holds
--                                         another layout, or none (written before layouts were
--                                         stamped); every write of the checkpoint stamps it
--   checkpoint: {key, factsField, expectedFacts, offsetField?, offset?, follows?}
--                                         first, with `follows`: the state is lost unless the offset
--                                         reached `follows` ('-1': may be missing). Then refuse unless
--                                         the partition holds expectedFacts facts (no other write since
--                                         the batch was read); then count `added` more and keep the
--                                         larger offset
--   added                                 facts this batch adds
--   undecided: [key]                      refuse if any of these request markers exists
--   redecided: [{key, expected}]          refuse unless each of these markers holds `expected`
--   fates: {keys: [key], ids: [transactionId], abandoned: [bool], abandonedPrefix}
--                                         the transactions of the commands decided now: refuse unless
--                                         each is marked abandoned (its value starts with
--                                         abandonedPrefix) exactly when the decision says so (the
--                                         commands write the marks; this script only reads them)
--   strings: {keys: [key], from, to}     MSET each key to its value, ARGV[from + i - 1] for keys[i]
--                                         (the requests' markers and the accounts)
--   transactions: [{key, from, to}]       HSET field / value pairs, in decision order, before any other
--                                         write
--   staged: [{key, stage, from, to, keep?}]
--                                         instead, HSET only over a lower `stage` field (a rebuild replays two
--                                         partitions' facts of one transaction in either order); over a
--                                         higher one, HSETNX the one field / value pair `keep` names
--   sortedSets: [{key, from, to}]         ZADD score / member pairs
--   totals: {key, deltas: {field: delta}} HINCRBY each
--   outbox: {key, acknowledged: {from, to}, add: {from, to}, returnPending}
-- Returns {status: 'ok', pending: [outbox field]} (with returnPending; the caller holds this batch's
-- messages already and fetches any others, left by a crash, separately), {status: 'conflict', reason},
-- {status: 'lost', checkpoint} when the partition's checkpoint is missing or behind `follows`,
-- {status: 'layout', found} when the namespace was written in another layout, or
-- {status: 'abandoned', transactions: [id]} when commands were abandoned since the batch was decided.
local p = cjson.decode(ARGV[1])
local function conflict(reason) return cjson.encode({ status = 'conflict', reason = reason }) end
local CHUNK = 500 -- pairs per command: unpack() is bounded by Lua's stack
local function each_chunk(from, to, step, run)
  for i = from, to, CHUNK * step do run(i, math.min(i + CHUNK * step - 1, to)) end
end

local cp = p.checkpoint
local held = redis.call('HMGET', KEYS[cp.key], cp.factsField, cp.offsetField or cp.factsField, p.layoutField)
-- Before all: state in another layout must not be read as this one.
if held[3] ~= p.layout and (held[3] or redis.call('EXISTS', KEYS[cp.key]) == 1) then
  return cjson.encode({ status = 'layout', found = held[3] or cjson.null })
end
-- First: a projection that lost state must not be decided against, whatever else holds.
if cp.follows then
  local reached = held[2]
  if (not reached and cp.follows ~= '-1') or (reached and tonumber(reached) < tonumber(cp.follows)) then
    return cjson.encode({ status = 'lost', checkpoint = reached or cjson.null })
  end
end
if p.followPointer then
  local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
  if current ~= p.namespace then return conflict('namespace_switched') end
end
if (held[1] or '0') ~= cp.expectedFacts then return conflict('partition_changed') end
local decided = 0
each_chunk(1, #p.undecided, 1, function(i, j)
  local keys = {}
  for k = i, j do keys[#keys + 1] = KEYS[p.undecided[k]] end
  decided = decided + redis.call('EXISTS', unpack(keys))
end)
if decided > 0 then return conflict('already_decided') end
for _, marker in ipairs(p.redecided) do
  if (redis.call('GET', KEYS[marker.key]) or '') ~= marker.expected then return conflict('already_decided') end
end
local fates = p.fates
local changed = false
local abandoned = {}
each_chunk(1, #fates.keys, 1, function(i, j)
  local keys = {}
  for k = i, j do keys[#keys + 1] = KEYS[fates.keys[k]] end
  local marks = redis.call('MGET', unpack(keys))
  for k = i, j do
    local mark = marks[k - i + 1]
    local isAbandoned = mark and string.sub(mark, 1, #fates.abandonedPrefix) == fates.abandonedPrefix
    if fates.abandoned[k] and not isAbandoned then changed = true end
    if isAbandoned and not fates.abandoned[k] then abandoned[#abandoned + 1] = fates.ids[k] end
  end
end)
if changed then return conflict('fate_changed') end
if #abandoned > 0 then return cjson.encode({ status = 'abandoned', transactions = abandoned }) end

-- The transactions first, in the order they were decided: a hash Redis refuses to write (a key of the
-- wrong type) then stops the script before anything else is written, with only the statuses of the
-- transactions decided before it written, which every retry (or its bisection) writes again the same.
for _, hash in ipairs(p.transactions) do redis.call('HSET', KEYS[hash.key], unpack(ARGV, hash.from, hash.to)) end
for _, hash in ipairs(p.staged) do
  local stage = tonumber(redis.call('HGET', KEYS[hash.key], 'stage') or '-1')
  if tonumber(hash.stage) > stage then
    redis.call('HSET', KEYS[hash.key], unpack(ARGV, hash.from, hash.to))
  elseif hash.keep then
    -- A later stage is there already (facts replayed out of order): keep what it wrote, and add what
    -- is one value for the whole transaction if it is missing.
    redis.call('HSETNX', KEYS[hash.key], ARGV[hash.keep.from], ARGV[hash.keep.from + 1])
  end
end
local m = p.strings
each_chunk(1, #m.keys, 1, function(i, j)
  local args = {}
  for k = i, j do
    args[#args + 1] = KEYS[m.keys[k]]
    args[#args + 1] = ARGV[m.from + k - 1]
  end
  redis.call('MSET', unpack(args))
end)
for _, set in ipairs(p.sortedSets) do redis.call('ZADD', KEYS[set.key], unpack(ARGV, set.from, set.to)) end
for field, delta in pairs(p.totals.deltas) do
  if delta ~= '0' then redis.call('HINCRBY', KEYS[p.totals.key], field, delta) end
end
local facts = tostring(tonumber(held[1] or '0') + tonumber(p.added))
if cp.offsetField and tonumber(cp.offset) > tonumber(held[2] or '-1') then
  redis.call('HSET', KEYS[cp.key], cp.factsField, facts, cp.offsetField, cp.offset, p.layoutField, p.layout)
elseif facts ~= (held[1] or '0') then
  redis.call('HSET', KEYS[cp.key], cp.factsField, facts, p.layoutField, p.layout)
end
-- Each partition has its own outbox, drained only by that partition's invocations, in position order.
local ob = p.outbox
local outbox = KEYS[ob.key]
if ob.acknowledged.to >= ob.acknowledged.from then
  each_chunk(ob.acknowledged.from, ob.acknowledged.to, 1, function(i, j) redis.call('HDEL', outbox, unpack(ARGV, i, j)) end)
end
if ob.add.to >= ob.add.from then
  each_chunk(ob.add.from, ob.add.to, 2, function(i, j) redis.call('HSET', outbox, unpack(ARGV, i, j)) end)
end
local pending = {}
if ob.returnPending then pending = redis.call('HKEYS', outbox) end
return cjson.encode({ status = 'ok', pending = pending })
