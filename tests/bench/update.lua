-- PUT /api/customers as the customer itself, keeping its email and phone.
local common = require "common"
local customers
local n = 0
function init() common.seed(); customers = common.customers() end
function request()
  n = n + 1
  local c = customers[math.random(#customers)]
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. c.token }
  return wrk.format("PUT", "/api/customers", headers, common.customer_body("Upd" .. n, c.email, c.phone))
end
done = common.report
