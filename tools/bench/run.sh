#!/usr/bin/env bash
# Tollgate throughput benchmark against an nginx baseline, all over HTTPS on loopback.
#
#   tools/bench/run.sh                      # 10 s per target
#   DURATION=5s OUT=bench.md tools/bench/run.sh
#
# Environment: TOLLGATED (server binary; default build/server/tollgated under the repo root),
# DURATION (wrk -d per target, default 10s), WARMUP (unmeasured wrk run before each GET target,
# default 2s, 0 to skip), OUT (also write the Markdown report there).
#
# It starts a throw-away tollgated (access log off) and nginx (own config, same cert/key) in a
# temp dir, runs wrk (2 threads, 64 connections, keep-alive) against a 4 KiB static file on
# nginx, GET /api/v1/cis/{id} and POST /api/v1/cis, prints a Markdown table and checks that the
# CIs acknowledged by 201 are there afterwards. It reports; it never fails because of speed.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO_ROOT/tools/bench"
TOLLGATED="${TOLLGATED:-$REPO_ROOT/build/server/tollgated}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
OUT="${OUT:-}"
THREADS=2
CONNECTIONS=64

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------------------------
need_pkgs=()
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v jq >/dev/null 2>&1 || need_pkgs+=(jq)
if ((${#need_pkgs[@]})); then
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${need_pkgs[*]}; install them (apt-get install -y ${need_pkgs[*]})"
  fi
  log "installing ${need_pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[[ -x "$NGINX" ]] || die "nginx not found"
[[ -x "$TOLLGATED" ]] || die "tollgated not found at $TOLLGATED (build: ninja -C build tollgated, or set TOLLGATED)"

# Seconds in a wrk duration ("10", "10s", "2m", "1h"), for timeouts and rates.
to_seconds() {
  local d="$1"
  case "$d" in
    *s) echo "${d%s}" ;;
    *m) echo $((${d%m} * 60)) ;;
    *h) echo $((${d%h} * 3600)) ;;
    *) echo "$d" ;;
  esac
}
DURATION_S="$(to_seconds "$DURATION")"
[[ "$DURATION_S" =~ ^[0-9]+$ && "$DURATION_S" -gt 0 ]] || die "DURATION must look like 10s, 2m or 10 (got '$DURATION')"
WARMUP_S="$(to_seconds "$WARMUP")"
[[ "$WARMUP_S" =~ ^[0-9]+$ ]] || die "WARMUP must look like 2s or 0 (got '$WARMUP')"

# --- temp dir and cleanup ---------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")"
TG_PID=""
NGINX_PID=""
WRK_PID=""

stop_pid() {  # stop_pid PID NAME: SIGTERM, wait up to 10 s, then SIGKILL
  local pid="$1" name="$2" i
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$WRK_PID" wrk
  stop_pid "$NGINX_PID" nginx
  stop_pid "$TG_PID" tollgated
  if ((rc != 0 && rc != 130 && rc != 143)); then
    for f in "$TMP/tollgated.out" "$TMP/tollgated.err" "$TMP/nginx/error.log" "$TMP/nginx/stderr.log"; do
      [[ -s "$f" ]] && { log "--- tail of ${f#"$TMP"/} ---"; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# nginx workers may run as another user (nobody): let them traverse to the static file.
chmod 0711 "$TMP"

# --- tollgated --------------------------------------------------------------------------------
DATA="$TMP/data"
TG_CONF="$TMP/tollgate.toml"
sed -e "s|^data_dir = .*|data_dir = \"$DATA\"|" \
    -e 's|^listen = .*|listen = "127.0.0.1:0"|' \
    -e 's|^shutdown_grace = .*|shutdown_grace = 2|' \
    -e 's|^access = .*|access = false|' \
    "$REPO_ROOT/conf/tollgate.toml" >"$TG_CONF"
grep -q '^access = false$' "$TG_CONF" || die "could not turn the access log off in $TG_CONF"

# Port 0: the kernel picks a free loopback port and tollgated prints the one it got.
"$TOLLGATED" --data-dir "$DATA" --listen 127.0.0.1:0 --config "$TG_CONF" \
  >"$TMP/tollgated.out" 2>"$TMP/tollgated.err" &
TG_PID=$!
TG_PORT=""
for ((i = 0; i < 150; i++)); do
  TG_PORT="$(sed -n 's|^tollgated listening on https://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$TMP/tollgated.out" | head -n1)"
  [[ -n "$TG_PORT" ]] && break
  kill -0 "$TG_PID" 2>/dev/null || die "tollgated exited during start-up"
  sleep 0.1
done
[[ -n "$TG_PORT" ]] || die "tollgated did not report its port within 15 s"
TOKEN="$(sed -n 's|^bootstrap admin token (shown once): ||p' "$TMP/tollgated.out" | awk '{print $NF}' | head -n1)"
[[ -n "$TOKEN" ]] || die "no bootstrap admin token in tollgated's output"
CERT="$DATA/tls/cert.pem"
KEY="$DATA/tls/key.pem"
[[ -s "$CERT" && -s "$KEY" ]] || die "no generated certificate in $DATA/tls"
TG_URL="https://127.0.0.1:$TG_PORT"
log "tollgated pid $TG_PID on $TG_URL"

# --- nginx ------------------------------------------------------------------------------------
free_port() {
  local p _
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! ss -Htln "( sport = :$p )" 2>/dev/null | grep -q .; then
      echo "$p"
      return 0
    fi
  done
  return 1
}
NG="$TMP/nginx"
mkdir -p "$NG/www" "$NG/tmp" "$NG/logs"
chmod 0755 "$NG" "$NG/www"
head -c 4096 /dev/urandom >"$NG/www/4k.bin"
chmod 0644 "$NG/www/4k.bin"

NGINX_PORT=""
for attempt in 1 2 3; do
  NGINX_PORT="$(free_port)" || die "no free loopback port found for nginx"
  cat >"$NG/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  keepalive_requests 100000;
  keepalive_timeout 60s;
  server {
    listen 127.0.0.1:$NGINX_PORT ssl;
    ssl_certificate $CERT;
    ssl_certificate_key $KEY;
    ssl_protocols TLSv1.2 TLSv1.3;
    root $NG/www;
    location / { }
  }
}
EOF
  "$NGINX" -t -q -e "$NG/error.log" -p "$NG/" -c "$NG/nginx.conf" 2>>"$NG/stderr.log" ||
    die "nginx rejected its configuration"
  "$NGINX" -e "$NG/error.log" -p "$NG/" -c "$NG/nginx.conf" 2>>"$NG/stderr.log" &
  NGINX_PID=$!
  for ((i = 0; i < 50; i++)); do
    curl -fsS -o /dev/null --cacert "$CERT" "https://127.0.0.1:$NGINX_PORT/4k.bin" 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=""
  log "nginx did not start on port $NGINX_PORT (attempt $attempt)"
done
[[ -n "$NGINX_PID" ]] || die "nginx did not start"
NG_URL="https://127.0.0.1:$NGINX_PORT/4k.bin"
size="$(curl -fsS --cacert "$CERT" -o /dev/null -w '%{size_download}' "$NG_URL")" ||
  die "nginx does not serve $NG_URL"
[[ "$size" == 4096 ]] || die "nginx served $size bytes instead of 4096"
log "nginx pid $NGINX_PID on https://127.0.0.1:$NGINX_PORT"

# --- API set-up -------------------------------------------------------------------------------
api() {  # api METHOD PATH [BODY] -> prints "STATUS" on the last line, body before it
  local method="$1" path="$2" body="${3:-}"
  local args=(-sS --cacert "$CERT" -X "$method" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}')
  [[ -n "$body" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  curl "${args[@]}" "$TG_URL$path"
}
expect() {  # expect STATUSES DESCRIPTION <response>
  local want="$1" what="$2" resp status
  resp="$(cat)"
  status="$(tail -n1 <<<"$resp")"
  [[ " $want " == *" $status "* ]] || die "$what: HTTP $status: $(head -n -1 <<<"$resp" | head -c 500)"
}
api POST /api/v1/ci-types '{"name":"service","attributes":[{"name":"port","type":"int","required":false}]}' |
  expect "200 201" "create CI type"
GET_ID="bench-get"
api POST /api/v1/cis "{\"id\":\"$GET_ID\",\"type\":\"service\",\"name\":\"bench get target\"}" |
  expect "201" "create CI"
api GET "/api/v1/cis/$GET_ID" | expect "200" "read CI"

metric() {  # metric NAME -> value from GET /metrics
  { curl -fsS --cacert "$CERT" -H "Authorization: Bearer $TOKEN" "$TG_URL/metrics" || true; } |
    awk -v m="$1" '$1 == m { print $2; exit }'
}

# --- wrk --------------------------------------------------------------------------------------
# wrk prints latencies as 1.23us / 4.56ms / 7.89s / 1.00m.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    else if (u == "h") n *= 3600000;
    printf "%.2f", n }'
}

# run_wrk NAME URL [extra wrk args...]: writes $TMP/NAME.wrk, sets R_* variables.
run_wrk() {
  local name="$1" url="$2"
  shift 2
  local out="$TMP/$name.wrk"
  log "wrk $name: $THREADS threads, $CONNECTIONS connections, $DURATION -> $url"
  # wrk itself honours -d; the timeout only guards against a hung wrk. In the background plus
  # wait, so that an INT/TERM trap runs at once rather than after wrk is done.
  timeout --kill-after=5 $((DURATION_S + 30)) \
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$url" "$@" >"$out" 2>&1 &
  WRK_PID=$!
  local rc=0
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  if ((rc != 0)); then
    log "wrk $name failed (exit $rc):"
    cat "$out" >&2
  fi
  R_RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
  R_P99="$(awk '$1 == "99%" { print $2; exit }' "$out")"
  R_REQS="$(awk '/ requests in / { print $1 }' "$out")"
  R_NON2XX="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
  R_SOCKERR="$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$out")"
  R_RPS="${R_RPS:-0}" R_REQS="${R_REQS:-0}" R_NON2XX="${R_NON2XX:-0}" R_SOCKERR="${R_SOCKERR:-0}"
  if [[ -n "$R_P99" ]]; then R_P99_MS="$(to_ms "$R_P99") ms"; else R_P99_MS="n/a"; fi
}

warmup() {  # warmup URL [extra wrk args...]
  ((WARMUP_S > 0)) || return 0
  local url="$1"
  shift
  timeout --kill-after=5 $((WARMUP_S + 30)) \
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" "$url" "$@" >/dev/null 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=""
}

# Successful responses per second: wrk's req/s counts every completed response, errors included,
# so scale it by the successful share. ok_rate RPS REQUESTS SUCCESSFUL
ok_rate() { awk -v rps="$1" -v n="$2" -v ok="$3" 'BEGIN { if (n > 0) printf "%.0f", rps * ok / n; else print 0 }'; }

warmup "$NG_URL"
run_wrk nginx "$NG_URL"
NG_RPS="$R_RPS" NG_P99="$R_P99_MS" NG_NON2XX="$R_NON2XX" NG_SOCK="$R_SOCKERR"
NG_OK="$(ok_rate "$R_RPS" "$R_REQS" $((R_REQS - R_NON2XX)))"

AUTH=(-H "Authorization: Bearer $TOKEN")
warmup "$TG_URL/api/v1/cis/$GET_ID" "${AUTH[@]}"
run_wrk tg_get "$TG_URL/api/v1/cis/$GET_ID" "${AUTH[@]}"
GET_RPS="$R_RPS" GET_P99="$R_P99_MS" GET_NON2XX="$R_NON2XX" GET_SOCK="$R_SOCKERR"
GET_OK="$(ok_rate "$R_RPS" "$R_REQS" $((R_REQS - R_NON2XX)))"

WRITES_BEFORE="$(metric tollgate_lmdb_writes_total)"
COMMITS_BEFORE="$(metric tollgate_lmdb_commits_total)"
NONCE="$(printf '%x%04x' "$(date +%s)" "$((RANDOM))")"
run_wrk tg_post "$TG_URL/api/v1/cis" "${AUTH[@]}" -s "$BENCH_DIR/post_ci.lua" -- "$NONCE"
POST_RPS="$R_RPS" POST_P99="$R_P99_MS" POST_SOCK="$R_SOCKERR"
status_field() { sed -n "s/.*BENCH_STATUS.* $1=\([0-9][0-9]*\).*/\1/p" "$TMP/tg_post.wrk" | head -n1; }
POST_TOTAL="$(status_field total)"; POST_TOTAL="${POST_TOTAL:-0}"
POST_2XX="$(status_field s2xx)"; POST_2XX="${POST_2XX:-0}"
POST_201="$(status_field s201)"; POST_201="${POST_201:-0}"
POST_409="$(status_field s409)"; POST_409="${POST_409:-0}"
POST_5XX="$(status_field s5xx)"; POST_5XX="${POST_5XX:-0}"
POST_NON2XX=$((POST_TOTAL - POST_2XX))
POST_OK="$(ok_rate "$R_RPS" "$POST_TOTAL" "$POST_201")"

# --- durability check -------------------------------------------------------------------------
# Every 201 was acknowledged after its group commit; all of them must be listed now.
WRITES_AFTER="$(metric tollgate_lmdb_writes_total)"
COMMITS_AFTER="$(metric tollgate_lmdb_commits_total)"
LISTED=0
cursor=""
pages=0
list_ok=1
while :; do
  args=(-fsS --cacert "$CERT" -H "Authorization: Bearer $TOKEN" -G --data-urlencode "limit=1000")
  [[ -n "$cursor" ]] && args+=(--data-urlencode "cursor=$cursor")
  if ! page="$(curl "${args[@]}" "$TG_URL/api/v1/cis")"; then
    list_ok=0
    break
  fi
  read -r n cursor < <(jq -r '"\(.items | length) \(.next_cursor // "")"' <<<"$page" || echo "x")
  if ! [[ "$n" =~ ^[0-9]+$ ]]; then
    list_ok=0
    break
  fi
  LISTED=$((LISTED + n))
  pages=$((pages + 1))
  [[ -z "$cursor" || $pages -ge 100000 ]] && break
done
# Every CI answered with 201, plus the GET target, must be listed. A few more may be: when wrk
# stops it drops the requests still in flight (without pipelining at most one per connection),
# which the server still commits but nobody counts.
EXPECTED=$((POST_201 + 1))
EXTRA=$((LISTED - EXPECTED))
if ((list_ok == 0)); then
  DURABLE="listing failed after $pages pages"
elif ((EXTRA < 0)); then
  DURABLE="MISSING $((-EXTRA)) acknowledged CIs"
elif ((EXTRA <= CONNECTIONS)); then
  DURABLE="ok"
else
  DURABLE="ok, but $EXTRA unacknowledged extras is more than the $CONNECTIONS connections explain"
fi
if [[ -n "$WRITES_BEFORE" && -n "$WRITES_AFTER" ]]; then
  WRITES_DELTA=$((WRITES_AFTER - WRITES_BEFORE))
  COMMITS_DELTA=$((COMMITS_AFTER - COMMITS_BEFORE))
else
  WRITES_DELTA="n/a" COMMITS_DELTA="n/a"
fi

# --- report -----------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
fmt_int() { printf "%'.0f" "$1" 2>/dev/null || printf '%s' "$1"; }
CPU_MODEL="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
[[ -n "$CPU_MODEL" ]] || CPU_MODEL="$(lscpu 2>/dev/null | awk -F': *' '/^Model name/ { print $2; exit }')"
GIT_REV="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$REPO_ROOT" diff --quiet HEAD -- 2>/dev/null || GIT_REV="$GIT_REV (+ uncommitted changes)"
if awk -v r="$POST_OK" 'BEGIN { exit !(r >= 10000) }'; then POST_10K="yes"; else POST_10K="no"; fi

REPORT="$TMP/report.md"
{
  echo "## Tollgate benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%SZ'), tollgate $GIT_REV"
  echo "- machine: nproc=$(nproc), CPU: ${CPU_MODEL:-unknown}, kernel $(uname -r)"
  echo "- wrk $THREADS threads, $CONNECTIONS connections, $DURATION per target, HTTPS keep-alive," \
       "nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||')"
  echo "- wrk, nginx and tollgated share the same $(nproc) core(s) (no pinning): the numbers compare"
  echo "  servers on this box under identical conditions; they are not capacity figures."
  echo
  echo "| target | req/s (wrk) | 2xx/s | p99 | vs nginx (2xx/s) | non-2xx | socket errors | note |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  echo "| nginx static 4 KiB GET | $(fmt_int "$NG_RPS") | $(fmt_int "$NG_OK") | $NG_P99 | 1.00 | $NG_NON2XX | $NG_SOCK | baseline |"
  echo "| tollgate GET /api/v1/cis/{id} | $(fmt_int "$GET_RPS") | $(fmt_int "$GET_OK") | $GET_P99 | $(ratio "$GET_OK" "$NG_OK") | $GET_NON2XX | $GET_SOCK | |"
  echo "| tollgate POST /api/v1/cis | $(fmt_int "$POST_RPS") | $(fmt_int "$POST_OK") | $POST_P99 | — | $POST_NON2XX | $POST_SOCK | ≥ 10,000 created/s: **$POST_10K** |"
  echo
  echo "POST responses: $POST_TOTAL total, $POST_201 × 201, $POST_409 × 409, $POST_5XX × 5xx," \
       "$((POST_NON2XX - POST_409 - POST_5XX)) other non-2xx. 2xx/s for POST counts 201s only."
  echo
  echo "Durability after POST: **$DURABLE**"
  echo
  echo "- CIs listed via GET /api/v1/cis ($pages pages): $LISTED; acknowledged: $POST_201 × 201 + 1 GET target" \
       "= $EXPECTED; extra (in flight when wrk stopped, committed but not counted, ≤ $CONNECTIONS expected): $EXTRA"
  echo "- tollgate_lmdb_writes_total grew by $WRITES_DELTA during POST, in $COMMITS_DELTA commits (one fsync each)" \
       "(it counts every write in a committed batch, rejected ones included)"
} >"$REPORT"

echo
cat "$REPORT"
if [[ -n "$OUT" ]]; then
  cp "$REPORT" "$OUT"
  log "report written to $OUT"
fi
