-- wrk script: optional POST body/headers from the environment, and a JSON summary at the end.
local body = os.getenv("BENCH_BODY")
local bodies = {}
if body and body ~= "" then
  for part in string.gmatch(body, "[^|]+") do table.insert(bodies, part) end
end
local headers = {}
local raw_headers = os.getenv("BENCH_HEADERS") or ""
for line in string.gmatch(raw_headers, "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end
local method = os.getenv("BENCH_METHOD") or "GET"
local counter = 0

request = function()
  counter = counter + 1
  local payload = nil
  if #bodies > 0 then payload = bodies[(counter % #bodies) + 1] end
  return wrk.format(method, nil, headers, payload)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    "JSON{\"requests\":%d,\"duration_us\":%d,\"bytes\":%d,\"errors\":%d,\"status_errors\":%d," ..
    "\"p50_us\":%d,\"p95_us\":%d,\"p99_us\":%d,\"max_us\":%d}\n",
    summary.requests, summary.duration, summary.bytes, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
