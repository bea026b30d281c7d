-- GET /api/customers as staff: BENCH_LIST=page1 | page1000 | keyset1000 (same depth by keyset).
local common = require "common"
local path, auth
function init()
  auth = "Bearer " .. common.staff_token()
  local mode = os.getenv("BENCH_LIST") or "page1"
  if mode == "page1" then path = "/api/customers?page=1"
  elseif mode == "page1000" then path = "/api/customers?page=1000"
  else path = "/api/customers?after=" .. common.ulids()[2] end
end
function request() return wrk.format("GET", path, { ["Authorization"] = auth }) end
done = common.report
