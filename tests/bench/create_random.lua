-- POST /api/customers like create.lua, but with the email and phone number at random places in
-- their unique indexes, as real registrations are: create.lua's numbered ones all land next to
-- each other, so each batch of registrations dirties the same few index pages.
local common = require "common"
local run = tonumber(os.getenv("BENCH_RUN") or "1") % 10000
math.randomseed(os.time() * 10000 + run)
function request()
  local email = string.format("%08x%08x@example.org", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  local phone = string.format("7%07d%07d", math.random(0, 9999999), math.random(0, 9999999))  -- 15 digits
  return wrk.format("POST", "/api/customers", common.json, common.customer_body("Bench", email, phone))
end
done = common.report
