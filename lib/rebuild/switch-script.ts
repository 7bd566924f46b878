/**
 * Switches readers and the live projector from one namespace to a rebuilt one, atomically, and only
 * if the rebuilt one has caught up with every partition the live one has applied. Saga messages still
 * waiting in the live outbox move along, so a switch never drops a credit or a refund.
 *
 * Hand-written: the check and the switch must be one step, or the live projector could apply a batch
 * in between that the new namespace never sees.
 *
 * ARGV[1]: `{prefix, defaultNamespace, from, to}`. Returns `switched`, `moved` (the pointer no longer
 * names `from`) or `behind` (the rebuild must consume further first).
 */
export const SWITCH_NAMESPACE_LUA = `
local p = cjson.decode(ARGV[1])
local pointer = p.prefix .. ':projection:current'
local current = redis.call('GET', pointer) or p.defaultNamespace
if current ~= p.from then return 'moved' end
local fromRoot = p.prefix .. ':ns:' .. p.from
local toRoot = p.prefix .. ':ns:' .. p.to
local live = redis.call('HGETALL', fromRoot .. ':checkpoint')
for i = 1, #live, 2 do
  local rebuilt = tonumber(redis.call('HGET', toRoot .. ':checkpoint', live[i]) or '-1')
  if rebuilt < tonumber(live[i + 1]) then return 'behind' end
end
for i = 1, #live, 2 do
  local outbox = redis.call('HGETALL', fromRoot .. ':outbox:' .. live[i])
  for j = 1, #outbox, 2 do redis.call('HSETNX', toRoot .. ':outbox:' .. live[i], outbox[j], outbox[j + 1]) end
end
redis.call('SET', pointer, p.to)
return 'switched'
`;
