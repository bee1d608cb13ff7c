-- wrk script of bench/throughput/load.mjs, configured by the environment:
--   WRK_METHOD, WRK_BODY     the request's method and JSON body (absent: GET, no body)
--   WRK_KEYS, WRK_KEY_HEADER with WRK_KEYS > 0, each request carries WRK_KEY_HEADER: c<n>, n cycling
--                            through 1..WRK_KEYS (many distinct clients); else every request is alike
--   WRK_HEADERS              more headers on every request: "Name: value" lines (absent: none)
wrk.method = os.getenv("WRK_METHOD") or "GET"
for name, value in string.gmatch(os.getenv("WRK_HEADERS") or "", "([^:\n]+): ([^\n]*)") do
  wrk.headers[name] = value
end
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end

local keys = tonumber(os.getenv("WRK_KEYS") or "0")
if keys > 0 then
  -- Built once: wrk only calls request() when the script defines it, and a table lookup per
  -- request keeps the load generator as light as with one key.
  local header = os.getenv("WRK_KEY_HEADER")
  local requests = {}
  local i = 0

  function init()
    for n = 1, keys do
      local headers = { [header] = "c" .. n }
      for name, value in pairs(wrk.headers) do headers[name] = value end
      requests[n] = wrk.format(nil, nil, headers)
    end
  end

  function request()
    i = i % keys + 1
    return requests[i]
  end
end
