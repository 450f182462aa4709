-- wrk script for Hearth's /oauth endpoints; counts the answers that really carry what was asked.
--   OAUTH_MODE=token      POST $OAUTH_BODY to /oauth/token, expect an access_token (client credentials)
--   OAUTH_MODE=refresh    rotate refresh tokens: a pool seeded from $REFRESH_TOKENS (one per line, at
--                         least one per connection); each answer's new refresh token goes back in the
--                         pool and a used one is never sent again (reuse would revoke its family)
--   OAUTH_MODE=introspect POST $OAUTH_BODY to /oauth/introspect, expect "active":true
-- Run with -t1 so the pool is one list.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  mode = os.getenv("OAUTH_MODE")
  ok = 0; bad = 0
  headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  pool = {}
  if mode == "refresh" then
    for line in io.lines(os.getenv("REFRESH_TOKENS")) do pool[#pool + 1] = line end
    client = os.getenv("CLIENT_ID")
  end
end
function request()
  if mode == "refresh" then
    local token = table.remove(pool)
    if token == nil then return wrk.format("GET", "/healthz") end
    return wrk.format("POST", "/oauth/token", headers,
      "grant_type=refresh_token&client_id=" .. client .. "&refresh_token=" .. token)
  end
  local path = mode == "introspect" and "/oauth/introspect" or "/oauth/token"
  return wrk.format("POST", path, headers, os.getenv("OAUTH_BODY"))
end
function response(status, headers, body)
  if mode == "refresh" then
    local token = body:match('"refresh_token":"([^"]+)"')
    if status == 200 and token and body:find('"access_token"', 1, true) then
      ok = ok + 1; pool[#pool + 1] = token
    else bad = bad + 1 end
  elseif mode == "introspect" then
    if status == 200 and body:find('"active":true', 1, true) then ok = ok + 1 else bad = bad + 1 end
  else
    if status == 200 and body:find('"access_token"', 1, true) then ok = ok + 1 else bad = bad + 1 end
  end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("OAUTH_OK %d OAUTH_BAD %d\n", o, b))
end
