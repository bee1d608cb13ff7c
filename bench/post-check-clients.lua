-- wrk script: POST /v1/check, each request for one of WRK_CLIENTS clients picked at random, so the
-- keys spread over a Redis Cluster's slots (bench/cluster.mjs). wrk's LuaJIT is not seeded: every
-- run sends the same sequence of clients, so the variants compared get the same load.
local clients = tonumber(os.getenv("WRK_CLIENTS"))

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

request = function()
  local body = string.format('{"clientId":"client-%d","resource":"bench"}', math.random(clients))
  return wrk.format(nil, nil, nil, body)
end
