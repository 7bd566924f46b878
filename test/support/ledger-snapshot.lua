-- One atomic read of the given accounts' balances and the ledger: what a reader could observe at one
-- instant. KEYS: the totals hash, then every account key (its value is the account as JSON).
local sum, negative, accounts = 0, 0, 0
for i = 2, #KEYS do
  local record = redis.call('GET', KEYS[i])
  local balance = record and tonumber(cjson.decode(record).balance)
  if balance then
    sum = sum + balance
    accounts = accounts + 1
    if balance < 0 then negative = negative + 1 end
  end
end
local t = redis.call('HMGET', KEYS[1], 'deposited', 'withdrawn', 'inFlight', 'balances')
return { tostring(sum), negative, accounts, t[1] or '0', t[2] or '0', t[3] or '0', t[4] or '0' }
