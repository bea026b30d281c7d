-- POST /api/customers with a unique email and phone per request (BENCH_RUN keeps runs apart).
local common = require "common"
local run = tonumber(os.getenv("BENCH_RUN") or "1") % 10000
local n = 0
function request()
  n = n + 1
  local id = string.format("%04d%010d", run, n)
  return wrk.format("POST", "/api/customers", common.json,
    common.customer_body("Bench", "new" .. id .. "@example.org", "9" .. id))
end
done = common.report
