/**
 * Admits a command in one round trip: claims its Idempotency-Key (when it has one) and records the
 * transaction as pending, so that a status read after the 202 says `pending`, never 404.
 *
 * Written by hand: the claim and the pending record must be one atomic step, which a Lua script gives
 * and no client library does.
 *
 * ARGV[1]: `{idempotencyKey: string|null, record: string, fingerprint: string, pendingKey, pending, ttl}`.
 * Returns `new`, `replay` (same key, same request) or `conflict` (same key, another request).
 */
export const ADMIT_COMMAND_LUA = `
local p = cjson.decode(ARGV[1])
local outcome = 'new'
if p.idempotencyKey ~= cjson.null then
  local existing = redis.call('GET', p.idempotencyKey)
  if existing then
    if cjson.decode(existing).fingerprint ~= p.fingerprint then return 'conflict' end
    outcome = 'replay'
  else
    redis.call('SET', p.idempotencyKey, p.record, 'EX', p.ttl)
  end
end
redis.call('SET', p.pendingKey, p.pending, 'EX', p.ttl, 'NX')
return outcome
`;
