-- wrk script for bench_api_load.py: each request is, in turn, the sensitive points or one view's report
-- aggregates (zoom 12 to 17), with a session cookie and a pause (HS_PAUSE_MIN-HS_PAUSE_MAX ms; default 0-250,
-- like the Python clients).
-- HS_TOKEN: a session token; HS_MODE: "carte" (the mix), "vues" (views only) or "reference" (/api/health).
local token = os.getenv("HS_TOKEN") or ""
local mode = os.getenv("HS_MODE") or "carte"
local pause_min = tonumber(os.getenv("HS_PAUSE_MIN") or "0")
local pause_max = tonumber(os.getenv("HS_PAUSE_MAX") or "250")
local views = {
  "bbox=5.36,50.50,5.67,50.655&zoom=12", "bbox=5.42,50.54,5.60,50.63&zoom=13",
  "bbox=5.47,50.57,5.55,50.61&zoom=14", "bbox=5.49,50.58,5.53,50.60&zoom=15",
  "bbox=5.40,50.53,5.48,50.57&zoom=15", "bbox=5.50,50.585,5.515,50.595&zoom=16",
  "bbox=5.505,50.588,5.512,50.592&zoom=17",
}
local headers = { ["Cookie"] = "hotspots_session=" .. token, ["Accept-Encoding"] = "gzip" }
local n = 0

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  n = n + 1
  local path
  if mode == "reference" then
    path = "/api/health"
  elseif mode == "points" or (mode == "carte" and n % 2 == 1) then
    path = "/api/points-sensibles"
  else
    path = "/api/carte/signalements?" .. views[math.random(#views)]
  end
  return wrk.format("GET", path, headers)
end

function delay()
  return math.random(pause_min, pause_max)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), latency.max, e.connect + e.read + e.write + e.status + e.timeout))
end
