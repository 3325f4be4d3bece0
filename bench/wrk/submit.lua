-- POST /api/v1/reports for wrk (https://github.com/wg/wrk), one JSON report per request.
--
--   wrk -t1 -c16 -d20s -s bench/wrk/submit.lua URL -- RATE COUNT CATEGORIES [DONE_FILE]
--
-- RATE: requests per second for this thread (0 = as fast as possible), held by delay(): each
-- request takes the next slot of a fixed schedule, so a slow answer does not slow the sender
-- (open loop, as long as there are enough connections). COUNT: stop this thread after that many
-- requests (0 = run for the duration) and create DONE_FILE, so that the caller can end wrk early
-- with SIGINT (wrk itself waits for the duration). CATEGORIES: comma-separated codes, in turn.
-- Each report's text carries its send time ("t=<unix seconds>"), which bench/run.py joins with
-- the webhook's arrival at the receiver. done() prints one line "BENCH_JSON {...}".
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } mc_timespec;
  int clock_gettime(int clk, mc_timespec *tp);
]]
local ts = ffi.new("mc_timespec")
local function now()
  ffi.C.clock_gettime(0, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}
local rate, count, categories, next_slot, interval, done_file, stopped
-- Globals (not local): setup() sets "id" in each thread, and done() reads "ok" from them.
sent, ok = 0, 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  rate = tonumber(args[1] or "0")
  count = tonumber(args[2] or "0")
  categories = {}
  for code in string.gmatch(args[3] or "NABO", "[^,]+") do table.insert(categories, code) end
  done_file = args[4]
  sent, ok = 0, 0
  interval = rate > 0 and 1 / rate or 0
  next_slot = now() + 0.05
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function delay()
  if interval == 0 then return 0 end
  local slot = next_slot
  next_slot = next_slot + interval
  local wait = (slot - now()) * 1000
  if wait < 0 then return 0 end
  return wait
end

function request()
  sent = sent + 1
  local category = categories[(sent % #categories) + 1]
  local body = string.format(
    '{"category":"%s","text":"Benchmark %d-%d t=%.6f","lat":55.696,"lon":12.545}',
    category, id, sent, now())
  return wrk.format(nil, "/api/v1/reports", nil, body)
end

function response(status, headers, body)
  if status == 201 then ok = ok + 1 end
  if count > 0 and sent >= count and not stopped then
    stopped = true
    if done_file then io.open(done_file, "w"):close() end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local created = 0
  for _, t in ipairs(threads) do created = created + (t:get("ok") or 0) end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"created":%d,"duration_s":%.3f,"p50_ms":%.2f,"p95_ms":%.2f,' ..
    '"p99_ms":%.2f,"max_ms":%.2f,"errors":%d,"non2xx":%d}\n',
    summary.requests, created, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
