-- Sends a pool of pre-built, pre-signed requests (written by `examples/load_gen.rs`) one after
-- the other, so every request is a distinct, correctly signed delivery.
--
--   wrk -t1 -c64 -d10s -s bench/wrk/pool.lua http://127.0.0.1:PORT -- POOL_FILE
--
-- The pool file: one line with the record length, then fixed-length raw HTTP requests. Each
-- wrk thread opens the file in `init` and reads the next record in `request()` (a buffered
-- read from the page cache: the pool can be gigabytes, more than LuaJIT's heap could hold).
-- Past the end the thread starts again from the first record and counts a wrap: the requests
-- are no longer fresh deliveries, so `done` reports it and bench/load.sh flags the run.
-- With several threads, give each its own pool (they would otherwise send the same ones).

local file, record_len, data_start
wrapped = 0

function init(args)
  local path = args[1] or error("usage: wrk ... -s pool.lua URL -- POOL_FILE")
  file = assert(io.open(path, "rb"))
  file:setvbuf("full", 4 * 1024 * 1024)
  record_len = tonumber(file:read("*l"))
  data_start = file:seek()
end

function request()
  local record = file:read(record_len)
  if record == nil or #record < record_len then
    wrapped = wrapped + 1
    file:seek("set", data_start)
    record = file:read(record_len)
  end
  return record
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

-- One machine-readable line for bench/load.sh (latencies in microseconds).
function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do
    wraps = wraps + (thread:get("wrapped") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "connect=%d read=%d write=%d timeout=%d non2xx=%d wraps=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status, wraps))
end
