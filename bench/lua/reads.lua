-- wrk script: GETs of a list of paths as one client, a random path per request, optionally at a fixed rate.
--
--   wrk -s bench/lua/reads.lua URL -- key=value ...
--     paths=FILE         one path with its query string per line (e.g. /api/messages/sent-log?page=1)
--     client=bigclient   X-Client-ID of every request
--     rate=0             total requests/s over all threads (0: as fast as possible); wrk 4 has no -R, so each
--                        thread paces its connections itself with wrk's delay() (report.pacer)
--     threads=1          wrk's -t, to split the rate
--
-- Needs BENCH_LUA_DIR in the environment (the directory of report.lua).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local report = require("report")

local reqs = {}

function init(args)
  local cfg = report.args(args)
  local headers = { ["X-Client-ID"] = cfg.client or "bigclient" }
  for line in io.lines(cfg.paths) do
    if line ~= "" then
      table.insert(reqs, wrk.format("GET", line, headers))
    end
  end
  if #reqs == 0 then
    error("reads.lua: no paths in " .. tostring(cfg.paths))
  end
  math.randomseed(4711 + 31 * (tid or 0))
  local rate = tonumber(cfg.rate or "0")
  if rate > 0 then
    delay = report.pacer(rate / tonumber(cfg.threads or "1"))
  end
end

function request()
  return reqs[math.random(1, #reqs)]
end

local shown = {}

function response(status, headers, b)
  report.count(status, nil)
  -- The first answer of each error status, in wrk's output, to tell e.g. one 429 from another.
  if status >= 400 and not shown[status] then
    shown[status] = true
    io.write(string.format("BENCH_FIRST_ERROR %d %s\n", status, (b or ""):sub(1, 300):gsub("%s+", " ")))
  end
end

setup = report.setup
done = report.done
