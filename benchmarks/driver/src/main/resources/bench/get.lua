-- wrk script: GET /payments/{id}, round-robin over payments created beforehand (one id per line).
-- Args: <ids file> <merchant that owns them>. Prints one "@@WRK {json}" line.
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end

function init(args)
  ids = {}
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(ids, line) end
  end
  merchant = args[2]
  counter = tid * 7
  non2xx = 0
end

function request()
  counter = counter + 1
  local headers = {}
  headers["X-Dev-Merchant"] = merchant
  return wrk.format("GET", "/payments/" .. ids[(counter % #ids) + 1], headers, nil)
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
