-- GET /CarePlan/{id} over a list of real ids ($IDS_FILE).
dofile("tests/bench/common.lua")
request = function()
  return wrk.format("GET", "/CarePlan/" .. random_id(), headers)
end
