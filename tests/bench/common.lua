-- Shared by the wrk scripts: ids from $IDS_FILE (one per line), request
-- headers from $AUTH_HEADER and $PURPOSE, and the one-line summary the
-- runner scripts parse: wrk_result rps=... p50_ms=... p99_ms=... errors=... non2xx=...
ids = {}
for line in io.lines(os.getenv("IDS_FILE")) do ids[#ids + 1] = line end
headers = {}
local auth = os.getenv("AUTH_HEADER")
if auth and auth ~= "" then headers["Authorization"] = auth end
local purpose = os.getenv("PURPOSE")
if purpose and purpose ~= "" then headers["X-Purpose-Of-Use"] = purpose end
math.randomseed(os.time())

function random_id() return ids[math.random(#ids)] end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  io.write(string.format("wrk_result rps=%.0f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
