-- POST /Flag for random patients ($IDS_FILE holds patient ids).
local ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
local headers = {["Content-Type"] = "application/fhir+json", ["Prefer"] = "return=minimal"}
local auth = os.getenv("AUTH_HEADER")
if auth and auth ~= "" then headers["Authorization"] = auth end
math.randomseed(os.time())
request = function()
  local body = '{"resourceType":"Flag","status":"active","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/flag-category","code":"safety"}]}],"period":{"start":"2025-03-01"},"code":{"text":"Falls risk"},"subject":{"reference":"Patient/' .. ids[math.random(#ids)] .. '"}}'
  return wrk.format("POST", "/Flag", headers, body)
end
-- Shared summary: one line wrk_result name=... rps=... p50_ms=... p99_ms=...
done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("wrk_result rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
