-- The soak's mixed traffic (tests/bench/soak drives it): per 20 requests, 11 GET own record,
-- 2 PATCH own record, 2 register, 2 delete (by staff, a customer this thread registered),
-- 1 staff list page, 1 keyset page, 1 status. Registrations and deletions balance, so the
-- database stays the same size and memory can only grow by leaking.
-- SOAK_DATA: a file of "ulid<TAB>token" lines for the seeded customers; SOAK_STAFF: a token.
local customers = {}
local staff
local n, made = 0, 0
local created = {}  -- ulids this thread registered and has not deleted yet
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init()
  for line in io.lines(os.getenv("SOAK_DATA")) do
    local ulid, token = line:match("([^\t]+)\t([^\t]+)")
    customers[#customers + 1] = { ulid = ulid, token = token }
  end
  staff = "Bearer " .. os.getenv("SOAK_STAFF")
  math.randomseed(os.time() + id)
end

local json = { ["Content-Type"] = "application/json" }

local function register()
  made = made + 1
  local body = string.format(
    '{"first_name":"Soak","last_name":"Run","nationality":"KE","dob":"1990-01-01",' ..
    '"email":"soak-%d-%d-%s@example.org","phone_number":"2547%d%07d"}',
    id, made, os.getenv("SOAK_RUN") or "0", id, made)
  return wrk.format("POST", "/api/customers", json, body)
end

function request()
  n = n + 1
  local slot = n % 20
  local c = customers[math.random(#customers)]
  local own = { ["Authorization"] = "Bearer " .. c.token }
  if slot == 1 or slot == 2 then
    return wrk.format("PATCH", "/api/customers", { ["Content-Type"] = "application/json", ["Authorization"] = own.Authorization },
      '{"first_name":"Soak' .. (n % 1000) .. '"}')
  elseif slot == 3 or slot == 4 then
    return register()
  elseif (slot == 5 or slot == 6) and #created > 0 then
    return wrk.format("DELETE", "/api/customer/" .. table.remove(created, 1), { ["Authorization"] = staff })
  elseif slot == 7 then
    return wrk.format("GET", "/api/customers?page=" .. math.random(20) .. "&page_size=50", { ["Authorization"] = staff })
  elseif slot == 8 then
    return wrk.format("GET", "/api/customers?after=" .. c.ulid .. "&page_size=20", { ["Authorization"] = staff })
  elseif slot == 9 then
    return wrk.format("GET", "/api/status")
  end
  return wrk.format("GET", "/api/customer/" .. c.ulid, own)
end

function response(status, headers, body)
  if status == 201 then
    local location = headers["Location"]
    if location then created[#created + 1] = location:match("([^/]+)$") end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'SOAK {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"non_2xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
