-- Shared parts of the bench's wrk scripts: argument parsing, a monotonic
-- clock, an optional pacer (fixed request rate), per-status counting and a
-- machine-readable summary line ("BENCH_JSON {...}") printed by done().
local M = {}

-- key=value arguments (after `--` on the wrk command line).
function M.args(list)
  local cfg = {}
  for _, a in ipairs(list or {}) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if k then cfg[k] = v end
  end
  return cfg
end

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")

function M.now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

-- A pacer for one wrk thread: each call hands out the next send slot, `rate`
-- slots per second; returns how many ms the connection must wait for it.
-- When the system is slower than the rate, slots pile up and load turns
-- closed-loop (then the achieved rate shows it); a backlog of more than one
-- second of slots is forgotten so that the load never bursts to catch up.
function M.pacer(rate)
  local period = 1000 / rate
  local next_t = nil
  return function()
    local now = M.now_ms()
    if next_t == nil or next_t < now - 1000 then next_t = now end
    local slot = next_t
    next_t = next_t + period
    local wait = slot - now
    if wait < 0 then wait = 0 end
    return math.floor(wait)
  end
end

-- Per-thread counters, collected by done() through the thread objects.
statuses = {}
accepted = 0

function M.count(status, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 202 and body then
    local n = body:match('"accepted"%s*:%s*(%d+)')
    if n then accepted = accepted + tonumber(n) end
  end
end

local threads = {}
local next_id = 0

function M.setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function json(v)
  local t = type(v)
  if t == "table" then
    local parts = {}
    for k, x in pairs(v) do
      table.insert(parts, string.format("%q:%s", tostring(k), json(x)))
    end
    return "{" .. table.concat(parts, ",") .. "}"
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then return "null" end
    return string.format("%.17g", v)
  elseif t == "string" then
    return string.format("%q", v)
  elseif t == "boolean" then
    return tostring(v)
  end
  return "null"
end

function M.done(summary, latency, requests)
  local st, acc = {}, 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses") or {}
    for code, n in pairs(s) do
      st[tostring(code)] = (st[tostring(code)] or 0) + n
    end
    acc = acc + (thread:get("accepted") or 0)
  end
  local out = {
    requests = summary.requests,
    duration_s = summary.duration / 1e6,
    bytes = summary.bytes,
    errors = {
      connect = summary.errors.connect, read = summary.errors.read, write = summary.errors.write,
      status = summary.errors.status, timeout = summary.errors.timeout,
    },
    statuses = st,
    accepted = acc,
    latency_ms = {
      mean = latency.mean / 1000, max = latency.max / 1000,
      p50 = latency:percentile(50) / 1000, p90 = latency:percentile(90) / 1000,
      p99 = latency:percentile(99) / 1000, p999 = latency:percentile(99.9) / 1000,
    },
  }
  io.write("BENCH_JSON " .. json(out) .. "\n")
end

return M
