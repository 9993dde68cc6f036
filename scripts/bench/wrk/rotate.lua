-- wrk script for side-by-side (A/B) runs of one benchmark case:
--
--   PATHS=paths.txt wrk -t2 -c8 -d8s -s scripts/bench/wrk/rotate.lua \
--     -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080
--
-- Each request takes the next path of the file named by PATHS (one per
-- line, e.g. /api/v1/users?limit=100&q=ohans), round and round, as the
-- benchmark's cases do; at the end one line gives the rate and the
-- latencies the tables of docs/benchmarks.md report.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local i = 0

request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("%.0f req/s p50 %.2f p95 %.2f p99 %.2f ms, %d errors\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
