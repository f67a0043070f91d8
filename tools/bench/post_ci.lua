-- wrk script: POST /api/v1/cis with a unique CI id per request, counting responses by status.
--
-- Usage: wrk ... -H "Authorization: Bearer TOKEN" -s post_ci.lua https://HOST:PORT/api/v1/cis -- RUN_NONCE
--
-- wrk semantics this relies on: every wrk thread has its own Lua state. setup(thread) runs in the
-- main state, once per thread and before that thread's init(args); thread:set() writes a global
-- into the thread's state. So each thread gets a distinct index from setup() (math.random is not
-- reliable for this: the thread states may share a seed), and ids are
--   b<nonce>-t<thread index>-<per-thread counter>
-- which cannot collide across threads, and not across runs as long as the nonce differs.
-- done() runs in the main state after the test and sums the per-thread counters via thread:get().

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
  table.insert(threads, thread)
end

function init(args)
  nonce = args[1] or tostring(os.time())
  counter = 0
  n_total, n_2xx, n_201, n_409, n_4xx, n_5xx, n_other = 0, 0, 0, 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local id = string.format("b%s-t%d-%d", nonce, tid, counter)
  local body = string.format('{"id":"%s","type":"service","name":"bench %s"}', id, id)
  -- nil method/path/headers: wrk.method, the URL's path and wrk.headers (which hold the -H
  -- Authorization header) are used; wrk.format adds Host and Content-Length.
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  n_total = n_total + 1
  if status == 201 then n_201 = n_201 + 1 end
  if status >= 200 and status < 300 then
    n_2xx = n_2xx + 1
  elseif status == 409 then
    n_409 = n_409 + 1
    n_4xx = n_4xx + 1
  elseif status >= 400 and status < 500 then
    n_4xx = n_4xx + 1
  elseif status >= 500 then
    n_5xx = n_5xx + 1
  else
    n_other = n_other + 1
  end
end

function done(summary, latency, requests)
  local sums = { total = 0, ["2xx"] = 0, ["201"] = 0, ["409"] = 0, ["4xx"] = 0, ["5xx"] = 0, other = 0 }
  for _, t in ipairs(threads) do
    sums.total = sums.total + (t:get("n_total") or 0)
    sums["2xx"] = sums["2xx"] + (t:get("n_2xx") or 0)
    sums["201"] = sums["201"] + (t:get("n_201") or 0)
    sums["409"] = sums["409"] + (t:get("n_409") or 0)
    sums["4xx"] = sums["4xx"] + (t:get("n_4xx") or 0)
    sums["5xx"] = sums["5xx"] + (t:get("n_5xx") or 0)
    sums.other = sums.other + (t:get("n_other") or 0)
  end
  -- Machine-readable lines for run.sh.
  io.write(string.format("BENCH_STATUS total=%d s2xx=%d s201=%d s409=%d s4xx=%d s5xx=%d other=%d\n",
    sums.total, sums["2xx"], sums["201"], sums["409"], sums["4xx"], sums["5xx"], sums.other))
end
