-- Shared by the wrk scripts: the seeded data (BENCH_DATA) and one JSON result line.
local M = {}
local data = os.getenv("BENCH_DATA") or "."

function M.customers()
  local list = {}
  for line in io.lines(data .. "/customers.tsv") do
    local ulid, token, email, phone = line:match("([^\t]+)\t([^\t]+)\t([^\t]+)\t([^\t]+)")
    list[#list + 1] = { ulid = ulid, token = token, email = email, phone = phone }
  end
  return list
end

function M.ulids()
  local list = {}
  for line in io.lines(data .. "/ulids.txt") do list[#list + 1] = line end
  return list
end

function M.staff_token()
  return io.open(data .. "/staff_token"):read("*l")
end

function M.seed(thread_salt)
  math.randomseed(os.time() + (thread_salt or 0))
end

function M.customer_body(first_name, email, phone)
  return string.format(
    '{"first_name":"%s","last_name":"Bench","middle_name":"","nationality":"KE",' ..
    '"dob":"1990-01-01","email":"%s","phone_number":"%s"}', first_name, email, phone)
end

M.json = { ["Content-Type"] = "application/json" }

-- wrk counts responses with status >= 400 in errors.status; every workload expects 2xx.
function M.report(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,' ..
    '"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency:percentile(99.9), e.status, e.connect + e.read + e.write + e.timeout))
end

return M
