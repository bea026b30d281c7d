-- 90% GET own record, 10% PUT own record.
local common = require "common"
local customers
local n = 0
function init() common.seed(); customers = common.customers() end
function request()
  n = n + 1
  local c = customers[math.random(#customers)]
  local auth = "Bearer " .. c.token
  if n % 10 == 0 then
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = auth }
    return wrk.format("PUT", "/api/customers", headers, common.customer_body("Mix" .. n, c.email, c.phone))
  end
  return wrk.format("GET", "/api/customer/" .. c.ulid, { ["Authorization"] = auth })
end
done = common.report
