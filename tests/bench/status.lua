local common = require "common"
wrk.path = "/api/status"
done = common.report
