-- GET /CarePlan?patient={id} over a list of patient ids ($IDS_FILE).
dofile("tests/bench/common.lua")
request = function()
  return wrk.format("GET", "/CarePlan?patient=" .. random_id(), headers)
end
