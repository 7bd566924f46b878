-- Admits a command in one round trip: claims its Idempotency-Key (when it has one) and records the
-- transaction as pending, so that a status read after the 202 says `pending`, never 404. The claim and
-- the pending record must be one atomic step.
--
-- A replay (same key, same request) takes back an abandonment its first attempt made, if the projector
-- has not decided that attempt's request yet: the retry may take effect, once.
--
-- KEYS: the idempotency key's claim (absent when the command has no key), the pending marker, and the
-- transaction's fate (absent without a claim).
-- ARGV[1]: {claim: index in KEYS or null, pending: index in KEYS, fate: index in KEYS or null, record,
--           fingerprint, pendingValue, ttl}.
-- Returns `new`, `replay` (same key, same request) or `conflict` (same key, another request).
local p = cjson.decode(ARGV[1])
local outcome = 'new'
if p.claim ~= cjson.null then
  local existing = redis.call('GET', KEYS[p.claim])
  if existing then
    if cjson.decode(existing).fingerprint ~= p.fingerprint then return 'conflict' end
    outcome = 'replay'
    if redis.call('GET', KEYS[p.fate]) == 'abandoned' then redis.call('DEL', KEYS[p.fate]) end
  else
    redis.call('SET', KEYS[p.claim], p.record, 'EX', p.ttl)
  end
end
redis.call('SET', KEYS[p.pending], p.pendingValue, 'EX', p.ttl, 'NX')
return outcome
