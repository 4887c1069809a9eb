-- wrk script (soak.mjs): a mix of request kinds from N clients, e.g.
--   wrk ... -s lib/mix.lua URL -- 10000 X-Client-Id client-%05d [START]
-- Each request is the next client (client-00000 … client-09999, from START) with the next kind
-- of MIX, shifted by one kind each time the clients come round, so every client sends every kind.
-- Requests are formatted once in init: request() is a table lookup. The URL gives only the host.
local MIX = {
  { path = "/orders/ord_1", version = "2025-06-01" }, -- head: no chain, streamed through
  { path = "/orders/ord_1", version = "2024-01-01" }, -- translated order
  { path = "/orders",       version = "2024-01-01" }, -- translated 20 KB list
  { path = "/orders/ord_1", version = "banana" },     -- 400 invalid-version
  { path = "/orders/ord_1", version = "2023-06-01" }, -- 410: sunset in fixtures/soak.yaml
}
local requests = {}
local n = 0
local i = 0

function init(args)
  n = tonumber(args[1])
  i = (tonumber(args[4] or "0") or 0)
  for k = 0, n - 1 do
    for m, kind in ipairs(MIX) do
      local headers = {}
      for name, value in pairs(wrk.headers) do headers[name] = value end
      headers[args[2]] = string.format(args[3], k)
      headers["API-Version"] = kind.version
      requests[k * #MIX + m] = wrk.format("GET", kind.path, headers)
    end
  end
end

function request()
  local client = i % n
  local kind = (i + math.floor(i / n)) % #MIX
  i = i + 1
  return requests[client * #MIX + kind + 1]
end
