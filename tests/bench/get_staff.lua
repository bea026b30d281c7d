-- GET /api/customer/<ulid> with the staff token, over 1,000 customers.
local common = require "common"
local customers, auth
function init() common.seed(); customers = common.customers(); auth = "Bearer " .. common.staff_token() end
function request()
  local c = customers[math.random(#customers)]
  return wrk.format("GET", "/api/customer/" .. c.ulid, { ["Authorization"] = auth })
end
done = common.report
