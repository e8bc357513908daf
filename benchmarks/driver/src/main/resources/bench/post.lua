-- wrk script: POST /payments with a unique Idempotency-Key per request (prefix-thread-counter) and the local
-- runtime's development identity header. Args: <key prefix> <merchant>. Prints one "@@WRK {json}" line.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  prefix = args[1]
  merchant = args[2]
  counter = 0
  non2xx = 0
  body = '{"amount":1000,"currency":"USD","paymentMethod":"tok_visa_4242","description":"wrk","metadata":{"k":"v"}}'
end

function request()
  counter = counter + 1
  local headers = {}
  headers["Content-Type"] = "application/json"
  headers["X-Dev-Merchant"] = merchant
  headers["Idempotency-Key"] = string.format("%s-%d-%d", prefix, tid, counter)
  return wrk.format("POST", "/payments", headers, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
  end
  io.write(string.format('@@WRK {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,"write":%d,'
    .. '"timeout":%d,"status_gt_399":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, bad, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, latency:percentile(50), latency:percentile(99), latency.max))
end
