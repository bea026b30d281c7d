-- GET /api/customer/<ulid> as that customer, spread over 1,000 customers and their tokens.
local common = require "common"
local customers
function init() common.seed(); customers = common.customers() end
function request()
  local c = customers[math.random(#customers)]
  return wrk.format("GET", "/api/customer/" .. c.ulid, { ["Authorization"] = "Bearer " .. c.token })
end
done = common.report
