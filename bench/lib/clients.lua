-- wrk script (lib/load.mjs): the same request with one header cycling through N values, e.g.
--   wrk ... -s lib/clients.lua URL -- 10000 X-Client-Id client-%05d [START]
-- sends X-Client-Id: client-00000, client-00001, ... client-09999, client-00000, ... (per wrk
-- thread; the harness runs one), beginning with value START (default 0), so that consecutive
-- runs can carry on where the previous one stopped. Every request is formatted once in init, so request() costs a
-- table lookup: the load generator does no per-request string work. The other headers (-H) and
-- the path come from the command line, as without a script.
local requests = {}
local n = 0
local i = 0

function init(args)
  -- A POST cell's method and body (lib/load.mjs passes them in the environment).
  if os.getenv("BENCH_METHOD") then wrk.method = os.getenv("BENCH_METHOD") end
  if os.getenv("BENCH_BODY") then wrk.body = os.getenv("BENCH_BODY") end
  n = tonumber(args[1])
  i = (tonumber(args[4] or "0") or 0) % n
  for k = 0, n - 1 do
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers[args[2]] = string.format(args[3], k)
    requests[k + 1] = wrk.format(nil, nil, headers)
  end
end

function request()
  i = i % n + 1
  return requests[i]
end
