-- bench/wrk/pool.lua at a fixed pace: each connection waits DELAY_MS between its requests, so
-- `-cN` sends about N * 1000 / (DELAY_MS + latency) requests/s (bench/inbox.sh: 24 connections,
-- 20 ms: ~1,000/s). The latencies wrk reports are the requests' own, not the waits.
--
--   wrk -t1 -c24 -d20s -s bench/wrk/paced.lua http://127.0.0.1:PORT -- POOL_FILE DELAY_MS

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(here .. "pool.lua")

local pool_init = init
local delay_ms = 0

function init(args)
  pool_init(args)
  delay_ms = tonumber(args[2]) or 0
end

function delay()
  return delay_ms
end
