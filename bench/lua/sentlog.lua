-- wrk script: GET /api/messages/sent-log for a random client per request.
--
--   wrk -s bench/lua/sentlog.lua URL -- key=value ...
--     clients=1000       client ids <prefix>0000 .. <prefix>0999
--     prefix=log-
--     query=page=1       query string (without '?'), the same for every request
--
-- Needs BENCH_LUA_DIR in the environment (the directory of report.lua).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local report = require("report")

local n_clients, prefix, path = 1000, "log-", "/api/messages/sent-log"

function init(args)
  local cfg = report.args(args)
  n_clients = tonumber(cfg.clients or "1000")
  prefix = cfg.prefix or "log-"
  if cfg.query and cfg.query ~= "" then
    path = path .. "?" .. cfg.query
  end
  math.randomseed(12345 + 7 * (tid or 0))
end

function request()
  local client = string.format("%s%04d", prefix, math.random(0, n_clients - 1))
  return wrk.format("GET", path, { ["X-Client-ID"] = client })
end

function response(status, headers, b)
  report.count(status, nil)
end

setup = report.setup
done = report.done
