-- Switches readers and the live projector from one namespace to a rebuilt one, atomically, and only
-- if the rebuilt one holds at least every fact the live one holds, partition by partition. The check
-- and the switch must be one step, or the live projector could apply a batch in between that the new
-- namespace never sees. The live projector's own bookkeeping moves along: the offsets of the requests
-- it decided, and whatever still waits in its outboxes, so a switch never drops a fact or a saga step.
--
-- KEYS: the pointer, the live checkpoint, the rebuilt checkpoint, then each partition's live and
--       rebuilt outbox.
-- ARGV[1]: {from, to, defaultNamespace, pointer, fromCheckpoint, toCheckpoint,
--           outboxes: [{from, to}], factsPrefix, commandsPrefix, layoutField, layout}
-- The rebuilt checkpoint is stamped with the layout unless it holds one: a rebuild of a log without
-- facts wrote no checkpoint of its own, and the offsets copied here must not read as an older layout.
-- Returns `switched`, `moved` (the pointer no longer names `from`) or `behind` (consume further first).
local p = cjson.decode(ARGV[1])
local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
if current ~= p.from then return 'moved' end
local live = redis.call('HGETALL', KEYS[p.fromCheckpoint])
for i = 1, #live, 2 do
  if string.sub(live[i], 1, #p.factsPrefix) == p.factsPrefix then
    local rebuilt = tonumber(redis.call('HGET', KEYS[p.toCheckpoint], live[i]) or '0')
    if rebuilt < tonumber(live[i + 1]) then return 'behind' end
  end
end
for i = 1, #live, 2 do
  if string.sub(live[i], 1, #p.commandsPrefix) == p.commandsPrefix then
    redis.call('HSET', KEYS[p.toCheckpoint], live[i], live[i + 1])
  end
end
redis.call('HSETNX', KEYS[p.toCheckpoint], p.layoutField, p.layout)
for _, outbox in ipairs(p.outboxes) do
  local waiting = redis.call('HGETALL', KEYS[outbox.from])
  for j = 1, #waiting, 2 do redis.call('HSETNX', KEYS[outbox.to], waiting[j], waiting[j + 1]) end
end
redis.call('SET', KEYS[p.pointer], p.to)
return 'switched'
