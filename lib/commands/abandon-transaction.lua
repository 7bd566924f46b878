-- Marks a command's transaction abandoned (its publish was not confirmed, so it answers 503) unless the
-- projector already decided it: the record reached the log after all. One atomic step, because the
-- projector checks the mark in the same atomic step as its decision: whichever runs first wins.
-- A decided transaction is known by its `tx:` hash in the namespace in use (the projector writes it
-- with every decision, applied or rejected). The mark is a prefix to the transaction's fate, which
-- holds its pending record: the record stays readable.
--
-- KEYS: the namespace pointer, the transaction's fate, its `tx:` hash in `namespace`.
-- ARGV[1]: {pointer, fate, transaction: index in KEYS; namespace, defaultNamespace, abandonedPrefix, ttl}.
-- Returns {status: 'abandoned' | 'decided'}, or {status: 'moved', namespace} when the pointer names
-- another namespace (nothing written: ask again with its `tx:` key).
local p = cjson.decode(ARGV[1])
local current = redis.call('GET', KEYS[p.pointer]) or p.defaultNamespace
if current ~= p.namespace then return cjson.encode({ status = 'moved', namespace = current }) end
if redis.call('EXISTS', KEYS[p.transaction]) == 1 then return cjson.encode({ status = 'decided' }) end
local fate = redis.call('GET', KEYS[p.fate]) or ''
if string.sub(fate, 1, #p.abandonedPrefix) ~= p.abandonedPrefix then
  redis.call('SET', KEYS[p.fate], p.abandonedPrefix .. fate, 'EX', p.ttl)
end
return cjson.encode({ status = 'abandoned' })
