#!/usr/bin/env bash
# Artifact byte-moving benchmark: tollgated beside nginx (downloads) and the Docker registry
# (uploads), all over HTTPS on loopback with the same certificate and key, reported as ratios.
#
#   tools/bench/artifacts.sh
#   DURATION=3s UP_SMALL_COUNT=16 UP_BIG_MIB=16 UP_BIG_COUNT=2 tools/bench/artifacts.sh   # smoke run
#
# Environment (defaults in brackets):
#   TOLLGATED        server binary [build/server/tollgated under the repo root]
#   DURATION         wrk -d for each download target [10s]
#   WARMUP           unmeasured wrk run before each download target, 0 to skip [2s]
#   DL_SMALL_KIB     small download, KiB; wrk -t2 -c32, reported in req/s [64]
#   DL_BIG_MIB       large download, MiB; wrk -t2 -c4, reported in MB/s [64]
#   UP_SMALL_MIB     small upload, MiB; reported in uploads/s [1]
#   UP_SMALL_COUNT   small uploads per target, each a distinct random blob [256]
#   UP_WORKERS       parallel curl workers for the small uploads [8]
#   UP_BIG_MIB       large upload, MiB; reported in MB/s [256]
#   UP_BIG_COUNT     large uploads per target, one at a time [3]
#   TLS13_CIPHER     the one TLS 1.3 suite curl offers on uploads [TLS_AES_256_GCM_SHA384]
#   OUT              also write the Markdown report there
#
# Downloads: one file, byte for byte the same, served statically by nginx and as an artifact by
# tollgated (GET /api/v1/artifacts/bench/dl/FILE). Uploads: distinct random blobs stored by the
# Docker registry (POST /v2/bench/blobs/uploads/, then PUT <Location>&digest=sha256:HEX) and by
# tollgated (PUT /api/v1/artifacts/bench/N/file with X-Checksum-Sha256, and the same two-step
# shape as the registry through POST /api/v1/uploads). Every upload must answer 201; the script
# exits 1 after the report if one did not. It never fails because something is slow.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO_ROOT/tools/bench"
TOLLGATED="${TOLLGATED:-$REPO_ROOT/build/server/tollgated}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
DL_SMALL_KIB="${DL_SMALL_KIB:-64}"
DL_BIG_MIB="${DL_BIG_MIB:-64}"
UP_SMALL_MIB="${UP_SMALL_MIB:-1}"
UP_SMALL_COUNT="${UP_SMALL_COUNT:-256}"
UP_WORKERS="${UP_WORKERS:-8}"
UP_BIG_MIB="${UP_BIG_MIB:-256}"
UP_BIG_COUNT="${UP_BIG_COUNT:-3}"
TLS13_CIPHER="${TLS13_CIPHER:-TLS_AES_256_GCM_SHA384}"
OUT="${OUT:-}"
THREADS=2
SMALL_CONNECTIONS=32
BIG_CONNECTIONS=4
WRK_TIMEOUT=60s  # per request; wrk's default 2 s would count slow 64 MiB responses as errors

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------------------------
need_pkgs=()
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v jq >/dev/null 2>&1 || need_pkgs+=(jq)
if ((${#need_pkgs[@]})); then
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing ${need_pkgs[*]}; install them (apt-get install -y ${need_pkgs[*]})"
  fi
  log "installing ${need_pkgs[*]}"
  apt-get update -qq
  # docker-registry's postinst tries to start the system service (on :5000, /var/lib); where
  # there is no init system that is refused and harmless. This benchmark runs its own instance.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
REGISTRY="$(command -v docker-registry || echo /usr/bin/docker-registry)"
[[ -x "$NGINX" ]] || die "nginx not found"
[[ -x "$REGISTRY" ]] || die "docker-registry not found"
[[ -x "$TOLLGATED" ]] || die "tollgated not found at $TOLLGATED (build: ninja -C build tollgated, or set TOLLGATED)"
# %header{...} in -w (reading the upload Location) needs curl 7.84.
curl_version="$(curl --version | awk 'NR == 1 { print $2 }')"
printf '%s\n%s\n' 7.84.0 "$curl_version" | sort -V -C || die "curl $curl_version is too old (need 7.84+)"

# Seconds in a wrk duration ("10", "10s", "2m", "1h"), for timeouts.
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
for v in DL_SMALL_KIB DL_BIG_MIB UP_SMALL_MIB UP_SMALL_COUNT UP_WORKERS UP_BIG_MIB UP_BIG_COUNT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done

# --- temp dir and cleanup ---------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-artifact-bench.XXXXXX")"
TG_PID=""
NGINX_PID=""
REG_PID=""
WRK_PID=""
WORKER_PIDS=()

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
  local rc=$? p
  trap - EXIT INT TERM
  for p in "${WORKER_PIDS[@]}"; do stop_pid "$p" "upload worker"; done
  stop_pid "$WRK_PID" wrk
  stop_pid "$REG_PID" docker-registry
  stop_pid "$NGINX_PID" nginx
  stop_pid "$TG_PID" tollgated
  if ((rc != 0 && rc != 130 && rc != 143)); then
    for f in "$TMP/tollgated.out" "$TMP/tollgated.err" "$TMP/nginx/error.log" \
             "$TMP/nginx/stderr.log" "$TMP/registry/registry.log"; do
      [[ -s "$f" ]] && { log "--- tail of ${f#"$TMP"/} ---"; tail -n 20 "$f" >&2; }
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# nginx workers may run as another user (nobody): let them traverse to the static files.
chmod 0711 "$TMP"

# --- test data --------------------------------------------------------------------------------
# Generated before any server starts, so that generating it competes with nothing measured.
MIB=1048576
DL_SMALL_BYTES=$((DL_SMALL_KIB * 1024))
DL_BIG_BYTES=$((DL_BIG_MIB * MIB))
UP_SMALL_BYTES=$((UP_SMALL_MIB * MIB))
UP_BIG_BYTES=$((UP_BIG_MIB * MIB))
NG="$TMP/nginx"
mkdir -p "$NG/www" "$NG/tmp" "$NG/logs" "$TMP/small" "$TMP/big" "$TMP/status"
chmod 0755 "$NG" "$NG/www"
DL_SMALL_NAME="${DL_SMALL_KIB}k.bin"
DL_BIG_NAME="${DL_BIG_MIB}m.bin"
head -c "$DL_SMALL_BYTES" /dev/urandom >"$NG/www/$DL_SMALL_NAME"
head -c "$DL_BIG_BYTES" /dev/urandom >"$NG/www/$DL_BIG_NAME"
chmod 0644 "$NG/www/$DL_SMALL_NAME" "$NG/www/$DL_BIG_NAME"

# Small blobs: UP_SMALL_COUNT for the registry and tollgate's plain PUT (different servers, so
# the same bytes are new to each), and UP_SMALL_COUNT more for tollgate's session uploads, which
# must not meet blobs that its plain PUTs already stored.
SMALL_FILES=$((2 * UP_SMALL_COUNT))
log "generating $SMALL_FILES × $UP_SMALL_MIB MiB and $UP_BIG_COUNT × $UP_BIG_MIB MiB random blobs in $TMP"
head -c $((SMALL_FILES * UP_SMALL_BYTES)) /dev/urandom |
  split -b "$UP_SMALL_BYTES" -a 6 -d --additional-suffix=.bin - "$TMP/small/"
for ((i = 0; i < UP_BIG_COUNT; i++)); do
  head -c "$UP_BIG_BYTES" /dev/urandom >"$TMP/big/$(printf '%06d' "$i").bin"
done
mapfile -t SMALL_HEX < <(cd "$TMP/small" && sha256sum -- *.bin | cut -c1-64)
mapfile -t BIG_HEX < <(cd "$TMP/big" && sha256sum -- *.bin | cut -c1-64)
((${#SMALL_HEX[@]} == SMALL_FILES && ${#BIG_HEX[@]} == UP_BIG_COUNT)) || die "blob generation failed"
small_file() { printf '%s/small/%06d.bin' "$TMP" "$1"; }
big_file() { printf '%s/big/%06d.bin' "$TMP" "$1"; }

# --- tollgated --------------------------------------------------------------------------------
DATA="$TMP/data"
TG_CONF="$TMP/tollgate.toml"
# Access log off (nginx and the registry log no requests either); the background scrubber off,
# as it would re-hash the blobs being uploaded while they are measured and the registry has none.
sed -e "s|^data_dir = .*|data_dir = \"$DATA\"|" \
    -e 's|^listen = .*|listen = "127.0.0.1:0"|' \
    -e 's|^shutdown_grace = .*|shutdown_grace = 2|' \
    -e 's|^access = .*|access = false|' \
    -e 's|^scrub_rate_mb = .*|scrub_rate_mb = 0|' \
    "$REPO_ROOT/conf/tollgate.toml" >"$TG_CONF"
grep -q '^access = false$' "$TG_CONF" || die "could not turn the access log off in $TG_CONF"
grep -q '^scrub_rate_mb = 0$' "$TG_CONF" || die "could not turn the scrubber off in $TG_CONF"

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

# --- nginx (downloads) ------------------------------------------------------------------------
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
    curl -fsS -o /dev/null --cacert "$CERT" "https://127.0.0.1:$NGINX_PORT/$DL_SMALL_NAME" 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
  wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=""
  log "nginx did not start on port $NGINX_PORT (attempt $attempt)"
done
[[ -n "$NGINX_PID" ]] || die "nginx did not start"
NG_URL="https://127.0.0.1:$NGINX_PORT"
log "nginx pid $NGINX_PID on $NG_URL"

# --- docker-registry (uploads) ----------------------------------------------------------------
# Filesystem storage in the temp dir, no auth, the same cert/key. HTTP/2 off: tollgated and
# nginx here speak HTTP/1.1 only, and every client is told to use it anyway. No access log and
# level warn (the default logs every request); no upload purging (a background sweep).
REG="$TMP/registry"
mkdir -p "$REG/data"
REG_SECRET="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
REG_PORT=""
for attempt in 1 2 3; do
  REG_PORT="$(free_port)" || die "no free loopback port found for the registry"
  cat >"$REG/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $REG/data
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$REG_PORT
  secret: $REG_SECRET
  tls:
    certificate: $CERT
    key: $KEY
  http2:
    disabled: true
EOF
  "$REGISTRY" serve "$REG/config.yml" >>"$REG/registry.log" 2>&1 &
  REG_PID=$!
  for ((i = 0; i < 100; i++)); do
    curl -fsS -o /dev/null --cacert "$CERT" "https://127.0.0.1:$REG_PORT/v2/" 2>/dev/null && break
    kill -0 "$REG_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$REG_PID" 2>/dev/null &&
     curl -fsS -o /dev/null --cacert "$CERT" "https://127.0.0.1:$REG_PORT/v2/" 2>/dev/null; then
    break
  fi
  stop_pid "$REG_PID" docker-registry
  REG_PID=""
  log "docker-registry did not start on port $REG_PORT (attempt $attempt)"
done
[[ -n "$REG_PID" ]] || die "docker-registry did not start"
REG_URL="https://127.0.0.1:$REG_PORT"
log "docker-registry pid $REG_PID on $REG_URL"

# --- set-up through the API -------------------------------------------------------------------
AUTH=(-H "Authorization: Bearer $TOKEN")
api() {  # api METHOD PATH BODY -> prints "STATUS" on the last line, body before it
  curl -sS --cacert "$CERT" -X "$1" "${AUTH[@]}" -H 'Content-Type: application/json' \
    --data-binary "$3" -w '\n%{http_code}' "$TG_URL$2"
}
expect() {  # expect STATUSES DESCRIPTION <response>
  local want="$1" what="$2" resp status
  resp="$(cat)"
  status="$(tail -n1 <<<"$resp")"
  [[ " $want " == *" $status "* ]] || die "$what: HTTP $status: $(head -n -1 <<<"$resp" | head -c 500)"
}
api POST /api/v1/ci-types '{"name":"component","attributes":[]}' | expect "200 201" "create CI type"
api POST /api/v1/cis '{"id":"bench","type":"component","name":"bench"}' | expect "201" "create CI"

# The download files become artifacts bench/dl/NAME, and both servers must serve them verbatim.
for name in "$DL_SMALL_NAME" "$DL_BIG_NAME"; do
  hex="$(sha256sum "$NG/www/$name" | cut -c1-64)"
  code="$(curl -sS --cacert "$CERT" "${AUTH[@]}" -H 'Expect:' -H "X-Checksum-Sha256: $hex" \
    -T "$NG/www/$name" -o "$TMP/put.json" -w '%{http_code}' "$TG_URL/api/v1/artifacts/bench/dl/$name")"
  [[ "$code" == 201 ]] || die "storing $name in tollgated: HTTP $code: $(head -c 500 "$TMP/put.json")"
  for url in "$NG_URL/$name" "$TG_URL/api/v1/artifacts/bench/dl/$name"; do
    got="$(curl -fsS --cacert "$CERT" "${AUTH[@]}" "$url" | sha256sum | cut -c1-64)" ||
      die "cannot download $url"
    [[ "$got" == "$hex" ]] || die "$url served other bytes (sha256 $got, want $hex)"
  done
done

# --- measuring helpers ------------------------------------------------------------------------
CLK_TCK="$(getconf CLK_TCK)"
server_pids() {  # server_pids NAME: the processes whose CPU and memory count for that server
  case "$1" in
    tollgated) echo "$TG_PID" ;;
    registry) echo "$REG_PID" ;;
    nginx) echo "$NGINX_PID"; ps -o pid= --ppid "$NGINX_PID" 2>/dev/null || true ;;
  esac
}
cpu_ticks() {  # cpu_ticks NAME: user+system clock ticks of the server, all threads and workers
  local total=0 p t
  for p in $(server_pids "$1"); do
    # Fields after "pid (comm) ": state ppid ... utime is the 12th, stime the 13th.
    t="$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)"
    total=$((total + ${t:-0}))
  done
  echo "$total"
}
status_kib() {  # status_kib NAME FIELD: /proc/PID/status FIELD (kB) summed over the processes
  local total=0 p v
  for p in $(server_pids "$1"); do
    v="$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)"
    total=$((total + ${v:-0}))
  done
  echo "$total"
}
now_ns() { date +%s%N; }
calc() { awk "BEGIN { $1 }"; }  # calc 'printf "%.2f", 1 / 3'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'; }

warmup() {  # warmup CONNECTIONS URL [extra wrk args...]
  ((WARMUP_S > 0)) || return 0
  local conns="$1" url="$2"
  shift 2
  timeout --kill-after=5 $((WARMUP_S + 90)) \
    wrk -t "$THREADS" -c "$conns" -d "$WARMUP" --timeout "$WRK_TIMEOUT" "$url" "$@" >/dev/null 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || true
  WRK_PID=""
}

# run_download NAME SERVER CONNECTIONS URL [extra wrk args...]: sets D_* variables.
run_download() {
  local name="$1" server="$2" conns="$3" url="$4"
  shift 4
  local out="$TMP/$name.wrk" rc=0 cpu0 cpu1
  warmup "$conns" "$url" "$@"
  log "wrk $name: $THREADS threads, $conns connections, $DURATION -> $url"
  cpu0="$(cpu_ticks "$server")"
  timeout --kill-after=5 $((DURATION_S + 90)) \
    wrk -t "$THREADS" -c "$conns" -d "$DURATION" --timeout "$WRK_TIMEOUT" \
    -s "$BENCH_DIR/download_stats.lua" "$url" "$@" >"$out" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || rc=$?
  WRK_PID=""
  cpu1="$(cpu_ticks "$server")"
  if ((rc != 0)); then
    log "wrk $name failed (exit $rc):"
    cat "$out" >&2
  fi
  field() {  # field NAME: that number from download_stats.lua's line, 0 when missing
    local v
    v="$(sed -n "s/.*BENCH_DL.* $1=\([0-9][0-9]*\).*/\1/p" "$out" | head -n1)"
    echo "${v:-0}"
  }
  D_REQS="$(field requests)"
  D_BYTES="$(field bytes)"
  D_SECS="$(calc "printf \"%.6f\", $(field duration_us) / 1e6")"
  D_NON2XX="$(field status)"
  D_SOCK=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
  D_P99="$(calc "printf \"%.1f ms\", $(field p99_us) / 1000")"
  D_CPU_S="$(calc "printf \"%.3f\", ($cpu1 - $cpu0) / $CLK_TCK")"
  D_OK=$((D_REQS - D_NON2XX))
}

# --- downloads --------------------------------------------------------------------------------
run_download ng_small nginx "$SMALL_CONNECTIONS" "$NG_URL/$DL_SMALL_NAME"
NG_S_REQS="$D_REQS" NG_S_OK="$D_OK" NG_S_SECS="$D_SECS" NG_S_ERR="$D_NON2XX / $D_SOCK" NG_S_P99="$D_P99" NG_S_CPU="$D_CPU_S"
run_download tg_small tollgated "$SMALL_CONNECTIONS" "$TG_URL/api/v1/artifacts/bench/dl/$DL_SMALL_NAME" "${AUTH[@]}"
TG_S_REQS="$D_REQS" TG_S_OK="$D_OK" TG_S_SECS="$D_SECS" TG_S_ERR="$D_NON2XX / $D_SOCK" TG_S_P99="$D_P99" TG_S_CPU="$D_CPU_S"
run_download ng_big nginx "$BIG_CONNECTIONS" "$NG_URL/$DL_BIG_NAME"
NG_B_BYTES="$D_BYTES" NG_B_SECS="$D_SECS" NG_B_REQS="$D_REQS" NG_B_ERR="$D_NON2XX / $D_SOCK" NG_B_CPU="$D_CPU_S"
run_download tg_big tollgated "$BIG_CONNECTIONS" "$TG_URL/api/v1/artifacts/bench/dl/$DL_BIG_NAME" "${AUTH[@]}"
TG_B_BYTES="$D_BYTES" TG_B_SECS="$D_SECS" TG_B_REQS="$D_REQS" TG_B_ERR="$D_NON2XX / $D_SOCK" TG_B_CPU="$D_CPU_S"
DL_FAILED=0
for e in "$NG_S_ERR" "$TG_S_ERR" "$NG_B_ERR" "$TG_B_ERR"; do [[ "$e" == "0 / "* ]] || DL_FAILED=1; done

# --- uploads ----------------------------------------------------------------------------------
# Every upload is one curl process (two for the two-step shapes) with the same options for both
# servers: HTTP/1.1, the same single TLS 1.3 suite (Go would otherwise pick AES-128 and OpenSSL
# AES-256), no "Expect: 100-continue" round trip, the body streamed from the file with -T.
CURL_UP=(curl -sS --http1.1 --tls13-ciphers "$TLS13_CIPHER" --cacert "$CERT" -o /dev/null
         -H 'Expect:' -H 'Content-Type: application/octet-stream')

# upload_one TARGET INDEX FILE HEX MAX_SECONDS: prints the final HTTP status (201 = stored), or
# "post-STATUS" when the first step of a two-step upload failed.
upload_one() {
  local target="$1" idx="$2" file="$3" hex="$4" max="$5" resp code loc sep
  case "$target" in
    tg_put)
      "${CURL_UP[@]}" --max-time "$max" "${AUTH[@]}" -H "X-Checksum-Sha256: $hex" -T "$file" \
        -w '%{http_code}' "$TG_URL/api/v1/artifacts/bench/$idx/file" || true
      ;;
    tg_session | registry)
      if [[ "$target" == registry ]]; then
        resp="$(curl -sS --http1.1 --tls13-ciphers "$TLS13_CIPHER" --cacert "$CERT" -o /dev/null \
          --max-time 60 -X POST -w '%{http_code} %header{location}' "$REG_URL/v2/bench/blobs/uploads/" || true)"
      else
        resp="$(curl -sS --http1.1 --tls13-ciphers "$TLS13_CIPHER" --cacert "$CERT" -o /dev/null \
          --max-time 60 -X POST "${AUTH[@]}" -w '%{http_code} %header{location}' "$TG_URL/api/v1/uploads" || true)"
      fi
      code="${resp%% *}" loc="${resp#* }"
      if [[ "$code" != 202 || -z "$loc" || "$loc" == "$resp" ]]; then
        printf 'post-%s' "${code:-000}"
        return 0
      fi
      [[ "$loc" == /* ]] && loc="$([[ "$target" == registry ]] && echo "$REG_URL" || echo "$TG_URL")$loc"
      sep='?'; [[ "$loc" == *\?* ]] && sep='&'
      if [[ "$target" == registry ]]; then
        "${CURL_UP[@]}" --max-time "$max" -T "$file" -w '%{http_code}' "$loc${sep}digest=sha256:$hex" || true
      else
        "${CURL_UP[@]}" --max-time "$max" "${AUTH[@]}" -T "$file" -w '%{http_code}' \
          "$loc${sep}digest=sha256:$hex&coordinate=bench/s$idx/file" || true
      fi
      ;;
  esac
}

# upload_worker TARGET FIRST COUNT WORKER FILE_OFFSET: uploads small blobs FIRST+WORKER,
# FIRST+WORKER+UP_WORKERS, ... below FIRST+COUNT, one status per line.
upload_worker() {
  trap - EXIT INT TERM
  local target="$1" first="$2" count="$3" w="$4" off="$5" i
  for ((i = first + w; i < first + count; i += UP_WORKERS)); do
    upload_one "$target" "$((i + off))" "$(small_file $((i + off)))" "${SMALL_HEX[i + off]}" 300
    echo
  done
}

declare -A U_NS U_CPU U_OK U_N
for t in registry tg_put tg_session; do U_NS[$t]=0 U_CPU[$t]=0 U_OK[$t]=0 U_N[$t]=0; done
server_of() { [[ "$1" == registry ]] && echo registry || echo tollgated; }
tally() {  # tally TARGET STATUS_FILE...: adds the statuses to U_OK/U_N, keeps the odd ones
  local target="$1" s
  shift
  while read -r s; do
    [[ -n "$s" ]] || continue
    U_N[$target]=$((U_N[$target] + 1))
    if [[ "$s" == 201 ]]; then
      U_OK[$target]=$((U_OK[$target] + 1))
    else
      echo "$s" >>"$TMP/status/$target.bad"
    fi
  done < <(cat "$@")
}

# small_batch TARGET FIRST COUNT: UP_WORKERS workers in parallel over blobs FIRST..FIRST+COUNT-1.
small_batch() {
  local target="$1" first="$2" count="$3" w off=0 t0 t1 c0 c1 srv files=()
  ((count > 0)) || return 0
  [[ "$target" == tg_session ]] && off="$UP_SMALL_COUNT"
  srv="$(server_of "$target")"
  log "uploads $target: $count × $UP_SMALL_MIB MiB, $UP_WORKERS workers"
  c0="$(cpu_ticks "$srv")"
  t0="$(now_ns)"
  WORKER_PIDS=()
  for ((w = 0; w < UP_WORKERS; w++)); do
    files+=("$TMP/status/$target.$first.$w")
    upload_worker "$target" "$first" "$count" "$w" "$off" >"$TMP/status/$target.$first.$w" &
    WORKER_PIDS+=($!)
  done
  for w in "${WORKER_PIDS[@]}"; do wait "$w" || true; done
  WORKER_PIDS=()
  t1="$(now_ns)"
  c1="$(cpu_ticks "$srv")"
  U_NS[$target]=$((U_NS[$target] + t1 - t0))
  U_CPU[$target]=$((U_CPU[$target] + c1 - c0))
  tally "$target" "${files[@]}"
}

# Halves in A B C C B A order, so that a load drifting during the run (this box is shared)
# weighs on every target alike.
HALF=$((UP_SMALL_COUNT / 2))
for t in registry tg_put tg_session; do small_batch "$t" 0 "$HALF"; done
for t in tg_session tg_put registry; do small_batch "$t" "$HALF" $((UP_SMALL_COUNT - HALF)); done

# Large blobs, one upload at a time, alternating which server goes first.
big_one() {  # big_one TARGET INDEX
  local target="$1" i="$2" srv t0 t1 c0 c1
  srv="$(server_of "$target")"
  log "upload $target: $UP_BIG_MIB MiB blob $((i + 1))/$UP_BIG_COUNT"
  c0="$(cpu_ticks "$srv")"
  t0="$(now_ns)"
  # In the background plus wait, so that an INT/TERM trap runs at once, not after the upload.
  upload_one "$target" "big$i" "$(big_file "$i")" "${BIG_HEX[i]}" $((120 + UP_BIG_MIB)) \
    >"$TMP/status/big_$target.$i" &
  WORKER_PIDS=($!)
  wait "${WORKER_PIDS[0]}" || true
  WORKER_PIDS=()
  t1="$(now_ns)"
  c1="$(cpu_ticks "$srv")"
  U_NS[big_$target]=$((${U_NS[big_$target]:-0} + t1 - t0))
  U_CPU[big_$target]=$((${U_CPU[big_$target]:-0} + c1 - c0))
  echo >>"$TMP/status/big_$target.$i"
  tally "big_$target" "$TMP/status/big_$target.$i"
}
U_OK[big_registry]=0 U_N[big_registry]=0 U_OK[big_tg_put]=0 U_N[big_tg_put]=0
for ((i = 0; i < UP_BIG_COUNT; i++)); do
  if ((i % 2 == 0)); then big_one registry "$i"; big_one tg_put "$i"; else big_one tg_put "$i"; big_one registry "$i"; fi
done

# --- memory -----------------------------------------------------------------------------------
NGINX_PROCS="$(server_pids nginx | wc -w)"
TG_HWM="$(status_kib tollgated VmHWM)" TG_RSS="$(status_kib tollgated VmRSS)"
REG_HWM="$(status_kib registry VmHWM)" REG_RSS="$(status_kib registry VmRSS)"
NG_HWM="$(status_kib nginx VmHWM)" NG_RSS="$(status_kib nginx VmRSS)"

# --- report -----------------------------------------------------------------------------------
fmt_int() { printf "%'.0f" "$1" 2>/dev/null || printf '%s' "$1"; }
mib() { calc "printf \"%.1f MiB\", $1 / 1024"; }
per_s() { calc "printf \"%.1f\", ($2 > 0) ? $1 / $2 : 0"; }        # per_s COUNT SECONDS
mb_s() { calc "printf \"%.1f\", ($2 > 0) ? $1 / $2 / 1e6 : 0"; }   # mb_s BYTES SECONDS
cpu_per() { calc "printf \"%.3f\", ($2 > 0) ? $1 / $2 : 0"; }      # cpu_per SECONDS UNITS
ns_to_s() { calc "printf \"%.3f\", $1 / 1e9"; }

NG_S_RATE="$(per_s "$NG_S_OK" "$NG_S_SECS")"
TG_S_RATE="$(per_s "$TG_S_OK" "$TG_S_SECS")"
NG_S_CPU_REQ="$(calc "printf \"%.1f\", ($NG_S_REQS > 0) ? $NG_S_CPU * 1e6 / $NG_S_REQS : 0")"
TG_S_CPU_REQ="$(calc "printf \"%.1f\", ($TG_S_REQS > 0) ? $TG_S_CPU * 1e6 / $TG_S_REQS : 0")"
NG_B_RATE="$(mb_s "$NG_B_BYTES" "$NG_B_SECS")"
TG_B_RATE="$(mb_s "$TG_B_BYTES" "$TG_B_SECS")"
NG_B_CPU_GB="$(cpu_per "$NG_B_CPU" "$(calc "print $NG_B_BYTES / 1e9")")"
TG_B_CPU_GB="$(cpu_per "$TG_B_CPU" "$(calc "print $TG_B_BYTES / 1e9")")"

declare -A U_RATE U_CPU_UNIT U_SECS
for t in registry tg_put tg_session; do
  U_SECS[$t]="$(ns_to_s "${U_NS[$t]}")"
  U_RATE[$t]="$(per_s "${U_OK[$t]}" "${U_SECS[$t]}")"
  U_CPU_UNIT[$t]="$(calc "printf \"%.2f\", (${U_N[$t]} > 0) ? ${U_CPU[$t]} * 1000 / $CLK_TCK / ${U_N[$t]} : 0")"
done
for t in big_registry big_tg_put; do
  U_SECS[$t]="$(ns_to_s "${U_NS[$t]:-0}")"
  U_RATE[$t]="$(mb_s $((U_OK[$t] * UP_BIG_BYTES)) "${U_SECS[$t]}")"
  U_CPU_UNIT[$t]="$(calc "printf \"%.3f\", (${U_N[$t]} > 0) ? ${U_CPU[$t]:-0} / $CLK_TCK / (${U_N[$t]} * $UP_BIG_BYTES / 1e9) : 0")"
done
UP_FAILED=0
for t in registry tg_put tg_session big_registry big_tg_put; do
  ((U_OK[$t] == U_N[$t] && U_N[$t] > 0)) || UP_FAILED=1
done
uploads_cell() {  # "N/M × 201", plus the other statuses seen
  local t="$1" cell="${U_OK[$1]}/${U_N[$1]} × 201"
  if [[ -s "$TMP/status/$t.bad" ]]; then
    cell="$cell; **others: $(sort "$TMP/status/$t.bad" | uniq -c | awk '{ printf "%s%s×%s", sep, $1, $2; sep = ", " }')**"
  fi
  printf '%s' "$cell"
}

tls_of() {  # tls_of URL [curl args...]: "TLSv1.3 / SUITE" as curl negotiated it
  local url="$1"
  shift
  curl -sv --http1.1 --cacert "$CERT" -o /dev/null "$@" "$url" 2>&1 |
    sed -n 's/^\* SSL connection using //p' | head -n1
}
TLS_NG="$(tls_of "$NG_URL/$DL_SMALL_NAME")"
TLS_TG="$(tls_of "$TG_URL/api/v1/artifacts/bench/dl/$DL_SMALL_NAME" "${AUTH[@]}")"
TLS_REG_DEFAULT="$(tls_of "$REG_URL/v2/")"
TLS_REG_UP="$(tls_of "$REG_URL/v2/" --tls13-ciphers "$TLS13_CIPHER")"
TLS_TG_UP="$(tls_of "$TG_URL/api/v1/artifacts/bench/dl/$DL_SMALL_NAME" "${AUTH[@]}" --tls13-ciphers "$TLS13_CIPHER")"

CPU_MODEL="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
GIT_REV="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$REPO_ROOT" diff --quiet HEAD -- 2>/dev/null || GIT_REV="$GIT_REV (+ uncommitted changes)"
FS_TYPE="$(df -PT "$TMP" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }')"
REG_VERSION="$("$REGISTRY" --version 2>/dev/null | awk '{ print $NF }')"
SMALL_LABEL="$DL_SMALL_KIB KiB"
UP_SMALL_LABEL="$UP_SMALL_MIB MiB"

REPORT="$TMP/report.md"
{
  echo "## Tollgate artifact benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%SZ'), tollgate $GIT_REV"
  echo "- machine: nproc=$(nproc), CPU: ${CPU_MODEL:-unknown}, kernel $(uname -r), load average" \
       "$(cut -d' ' -f1-3 /proc/loadavg); data dirs on ${FS_TYPE:-unknown}"
  echo "- nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||'), docker-registry ${REG_VERSION:-unknown}," \
       "wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }'), curl $curl_version"
  echo "- downloads: wrk -t$THREADS, $DURATION per target (after a $WARMUP warm-up), HTTP/1.1 keep-alive;" \
       "TLS nginx: $TLS_NG, tollgated: $TLS_TG"
  echo "- uploads: one curl per request, HTTP/1.1, no Expect: 100-continue, TLS 1.3 suite forced to" \
       "$TLS13_CIPHER (registry: $TLS_REG_UP, tollgated: $TLS_TG_UP; the registry alone would pick" \
       "${TLS_REG_DEFAULT#*/ })"
  echo "- clients and servers share the same $(nproc) core(s), nothing pinned: compare ratios, not raw" \
       "numbers. Server CPU is user+system time of the server's processes during the measurement."
  echo
  echo "| test | server | result | unit | tollgate / peer | server CPU | CPU tollgate / peer | failures | note |"
  echo "|---|---|---:|---|---:|---:|---:|---|---|"
  echo "| GET $SMALL_LABEL, wrk -c$SMALL_CONNECTIONS | nginx (static) | $(fmt_int "$NG_S_RATE") | 2xx/s | 1.00 |" \
       "$NG_S_CPU_REQ µs/req | 1.00 | $NG_S_ERR | p99 $NG_S_P99 |"
  echo "| GET $SMALL_LABEL, wrk -c$SMALL_CONNECTIONS | tollgated | $(fmt_int "$TG_S_RATE") | 2xx/s |" \
       "**$(ratio "$TG_S_RATE" "$NG_S_RATE")** | $TG_S_CPU_REQ µs/req | $(ratio "$TG_S_CPU_REQ" "$NG_S_CPU_REQ") |" \
       "$TG_S_ERR | p99 $TG_S_P99 |"
  echo "| GET $DL_BIG_MIB MiB, wrk -c$BIG_CONNECTIONS | nginx (static) | $NG_B_RATE | MB/s | 1.00 |" \
       "$NG_B_CPU_GB s/GB | 1.00 | $NG_B_ERR | $NG_B_REQS responses |"
  echo "| GET $DL_BIG_MIB MiB, wrk -c$BIG_CONNECTIONS | tollgated | $TG_B_RATE | MB/s |" \
       "**$(ratio "$TG_B_RATE" "$NG_B_RATE")** | $TG_B_CPU_GB s/GB | $(ratio "$TG_B_CPU_GB" "$NG_B_CPU_GB") |" \
       "$TG_B_ERR | $TG_B_REQS responses |"
  echo "| PUT $UP_SMALL_LABEL × $UP_SMALL_COUNT, $UP_WORKERS workers | registry (POST + PUT) |" \
       "${U_RATE[registry]} | uploads/s | 1.00 | ${U_CPU_UNIT[registry]} ms/upload | 1.00 |" \
       "$(uploads_cell registry) | wall ${U_SECS[registry]} s |"
  echo "| PUT $UP_SMALL_LABEL × $UP_SMALL_COUNT, $UP_WORKERS workers | tollgated (PUT) |" \
       "${U_RATE[tg_put]} | uploads/s | **$(ratio "${U_RATE[tg_put]}" "${U_RATE[registry]}")** |" \
       "${U_CPU_UNIT[tg_put]} ms/upload | $(ratio "${U_CPU_UNIT[tg_put]}" "${U_CPU_UNIT[registry]}") |" \
       "$(uploads_cell tg_put) | wall ${U_SECS[tg_put]} s; one request per upload |"
  echo "| PUT $UP_SMALL_LABEL × $UP_SMALL_COUNT, $UP_WORKERS workers | tollgated (POST + PUT session) |" \
       "${U_RATE[tg_session]} | uploads/s | **$(ratio "${U_RATE[tg_session]}" "${U_RATE[registry]}")** |" \
       "${U_CPU_UNIT[tg_session]} ms/upload | $(ratio "${U_CPU_UNIT[tg_session]}" "${U_CPU_UNIT[registry]}") |" \
       "$(uploads_cell tg_session) | wall ${U_SECS[tg_session]} s; same two-step shape as the registry |"
  echo "| PUT $UP_BIG_MIB MiB × $UP_BIG_COUNT, sequential | registry (POST + PUT) | ${U_RATE[big_registry]} | MB/s |" \
       "1.00 | ${U_CPU_UNIT[big_registry]} s/GB | 1.00 | $(uploads_cell big_registry) | wall ${U_SECS[big_registry]} s |"
  echo "| PUT $UP_BIG_MIB MiB × $UP_BIG_COUNT, sequential | tollgated (PUT) | ${U_RATE[big_tg_put]} | MB/s |" \
       "**$(ratio "${U_RATE[big_tg_put]}" "${U_RATE[big_registry]}")** | ${U_CPU_UNIT[big_tg_put]} s/GB |" \
       "$(ratio "${U_CPU_UNIT[big_tg_put]}" "${U_CPU_UNIT[big_registry]}") | $(uploads_cell big_tg_put) |" \
       "wall ${U_SECS[big_tg_put]} s |"
  echo
  echo "| server | peak RSS (VmHWM) | RSS at the end (VmRSS) | processes |"
  echo "|---|---:|---:|---|"
  echo "| tollgated | $(mib "$TG_HWM") | $(mib "$TG_RSS") | 1 |"
  echo "| docker-registry | $(mib "$REG_HWM") | $(mib "$REG_RSS") | 1 |"
  echo "| nginx | $(mib "$NG_HWM") | $(mib "$NG_RSS") | $NGINX_PROCS (master + workers, summed; shared pages counted in each) |"
  echo
  echo "MB = 10^6 bytes. Rates count successes only (2xx responses, 201 uploads); MB/s for downloads is" \
       "every byte wrk read over the run. failures = non-2xx / socket errors (downloads) or upload statuses." \
       "tollgate / peer above 1 means tollgated moved more; CPU tollgate / peer above 1 means it spent more" \
       "CPU per request or byte."
} >"$REPORT"

echo
cat "$REPORT"
if [[ -n "$OUT" ]]; then
  cp "$REPORT" "$OUT"
  log "report written to $OUT"
fi
((UP_FAILED == 0)) || die "not every upload answered 201 (see failures)"
((DL_FAILED == 0)) || log "warning: some downloads failed (see failures); their rates count successes only"
