-- wrk script: POST pre-made CSR bodies (one JSON per line in $CSR_BODIES, each key used once) to
-- Hearth's POST /v1/pki/certificates as the owner ($HEARTH_TOKEN), and count 201 responses that
-- really carry a certificate chain. Run with -t1 so no body is sent twice.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  bodies = {}
  for line in io.lines(os.getenv("CSR_BODIES")) do bodies[#bodies + 1] = line end
  idx = 0; ok = 0; bad = 0
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("HEARTH_TOKEN")}
end
function request()
  idx = idx % #bodies + 1
  return wrk.format("POST", "/v1/pki/certificates", headers, bodies[idx])
end
function response(status, headers, body)
  if status == 201 and body:find('BEGIN CERTIFICATE', 1, true) then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); b = b + t:get("bad") end
  io.write(string.format("SIGNED_OK %d SIGNED_BAD %d\n", o, b))
end
