-- wrk script the benchmark (scripts/bench, -load wrk) drives its cases with:
--
--   REQUESTS=requests.tsv THREADS=2 COUNT=10000 WANT=201 \
--     wrk -t2 -c8 -d10s -s scripts/bench/wrk/replay.lua -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080
--
-- REQUESTS names a file of one request a line: method, path, content type and
-- body, separated by tabs (the last two may be empty). Thread t of THREADS
-- sends lines t, t+THREADS, t+2*THREADS, ... so that no two threads send the
-- same line (a create's email is sent once). With COUNT, each thread stops
-- once it has its share of COUNT responses and says so on stderr (the file
-- holds more lines than COUNT, for the requests still in flight then), and
-- whoever runs wrk interrupts it (SIGINT) when all have; without COUNT, the
-- threads go round the file until wrk's duration ends. A response whose status is not
-- WANT counts as an error. The last line of output is the result, in
-- microseconds, for the benchmark to read.
local requests = {}

-- load formats every request of the file once, in each thread's init,
-- where wrk knows the host and the headers given with -H.
local function load()
  for line in io.lines(os.getenv("REQUESTS")) do
    local method, path, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if method then
      local headers = {}
      for k, v in pairs(wrk.headers) do headers[k] = v end
      if ctype ~= "" then headers["Content-Type"] = ctype end
      requests[#requests + 1] = wrk.format(method, path, headers, body ~= "" and body or nil)
    end
  end
end

local nthreads = tonumber(os.getenv("THREADS"))
local count = tonumber(os.getenv("COUNT") or "0")
local want = tonumber(os.getenv("WANT") or "200")

local threads = {}
local created = 0

function setup(thread)
  thread:set("tid", created)
  threads[#threads + 1] = thread
  created = created + 1
end

local next_line, share, received = 0, 0, 0
bad = 0

function init(args)
  load()
  next_line = tid
  if count > 0 then
    share = math.floor(count / nthreads)
    if tid < count % nthreads then share = share + 1 end
  end
end

function request()
  local r = requests[(next_line % #requests) + 1]
  next_line = next_line + nthreads
  return r
end

function response(status, headers, body)
  received = received + 1
  if status ~= want then bad = bad + 1 end
  if share > 0 and received == share then
    -- wrk itself runs for its whole duration whatever its threads do; the
    -- benchmark interrupts it once every thread has said this.
    io.stderr:write("thread done\n")
    io.stderr:flush()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  for _, t in ipairs(threads) do errors = errors + t:get("bad") end
  io.write(string.format("result %d %.0f %d %.0f %.0f %.0f %.0f\n",
    summary.requests, summary.duration, errors,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
