-- POST /Flag for random patients ($IDS_FILE holds patient ids).
dofile("tests/bench/common.lua")
headers["Content-Type"] = "application/fhir+json"
headers["Prefer"] = "return=minimal"
request = function()
  local body = '{"resourceType":"Flag","status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"safety"}]}],"period":{"start":"2025-03-01"},"code":{"text":"Falls risk"},"subject":{"reference":"Patient/' .. random_id() .. '"}}'
  return wrk.format("POST", "/Flag", headers, body)
end
