-- wrk script: POST /api/messages/bulk/send, rotating over many client ids.
--
--   wrk -s bench/lua/send.lua URL -- key=value ...
--     clients=100        client ids <prefix>000 .. <prefix>099
--     prefix=bench-c
--     batch=100          messages per request (1 = the OTP pattern)
--     type=normal        X-SMS-TYPE of the requests
--     express_every=0    every k-th request is express instead (0: never)
--     rate=0             total requests/s over all threads (0: as fast as possible)
--     threads=1          wrk's -t, to split the rate
--
-- Needs BENCH_LUA_DIR in the environment (the directory of report.lua).
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local report = require("report")

local reqs, express_reqs = {}, {}
local n_clients, every, idx, sent = 100, 0, 0, 0

local NORMAL_TEXT = "Hello from the bench: your parcel %d is on its way. Track it in the app. Reply STOP to opt out."
local OTP_TEXT = "Your verification code is %06d. It expires in 5 minutes. Never share it with anyone."

local function body(batch, seed, otp)
  local parts = {}
  for i = 1, batch do
    local n = (seed * 7919 + i * 104729) % 100000000
    local text = otp and string.format(OTP_TEXT, n % 1000000) or string.format(NORMAL_TEXT, n)
    parts[i] = string.format('{"to":"+4917%08d","from":"BenchApp","content":"%s"}', n, text)
  end
  return '{"messages":[' .. table.concat(parts, ",") .. "]}"
end

function init(args)
  local cfg = report.args(args)
  n_clients = tonumber(cfg.clients or "100")
  local prefix = cfg.prefix or "bench-c"
  local batch = tonumber(cfg.batch or "100")
  local typ = cfg.type or "normal"
  every = tonumber(cfg.express_every or "0")
  local rate = tonumber(cfg.rate or "0")
  local threads = tonumber(cfg.threads or "1")
  -- Different threads start at different clients.
  idx = (tid or 0) * 37
  for c = 0, n_clients - 1 do
    local client = string.format("%s%03d", prefix, c)
    local b = body(batch, c + 1, batch == 1)
    reqs[c] = wrk.format("POST", "/api/messages/bulk/send",
      { ["Content-Type"] = "application/json", ["X-Client-ID"] = client, ["X-SMS-TYPE"] = typ }, b)
    if every > 0 then
      express_reqs[c] = wrk.format("POST", "/api/messages/bulk/send",
        { ["Content-Type"] = "application/json", ["X-Client-ID"] = client, ["X-SMS-TYPE"] = "express" }, b)
    end
  end
  if rate > 0 then
    delay = report.pacer(rate / threads)
  end
end

function request()
  idx = idx + 1
  sent = sent + 1
  local c = idx % n_clients
  if every > 0 and sent % every == 0 then
    return express_reqs[c]
  end
  return reqs[c]
end

function response(status, headers, b)
  report.count(status, b)
end

setup = report.setup
done = report.done
