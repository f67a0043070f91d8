#!/usr/bin/env bash
# Artifact byte-moving benchmark: tollgated beside nginx (static downloads; WebDAV PUT as an
# upload that neither verifies nor fsyncs) and the Docker registry (uploads that verify the
# digest and fsync), all over HTTPS on loopback with the same certificate and key. Markdown
# report with ratios and a final table of targets met or missed.
#
#   tools/bench/artifacts.sh
#   DL_BIG_MIB=8 UP_BIG_MIB=8 RSS_MIB=16 UP_SMALL_COUNT=40 DURATION=2s WARMUP=0 \
#     tools/bench/artifacts.sh                                          # smoke run, < 1 minute
#
# Environment (defaults in brackets):
#   TOLLGATED        server binary [build/server/tollgated under the repo root]
#   DURATION         wrk -d for each download target [10s]
#   WARMUP           unmeasured wrk run before each download target, 0 to skip [2s]
#   DL_SMALL_KIB     small download, KiB; wrk -t2 -c64, reported in 2xx/s and p99 [4]
#   DL_BIG_MIB       large download, MiB; wrk -t2 -c4, reported in MB/s [1024]
#   UP_SMALL_KIB     small upload, KiB; reported in uploads/s [4]
#   UP_SMALL_COUNT   small uploads per server, each a distinct random blob [1000]
#   UP_WORKERS       parallel keep-alive connections of put_many.py for the small uploads [8]
#   UP_BIG_MIB       large upload, MiB; reported in MB/s [1024]
#   UP_BIG_COUNT     large uploads per server, one at a time [2]
#   RSS_MIB          the file tollgated stores and serves once each in the memory step, MiB [4096]
#   TLS13_CIPHER     the one TLS 1.3 suite the upload clients offer [TLS_AES_256_GCM_SHA384]
#   OUT              also write the Markdown report there
#
# Steps: (1) ceilings on the 1 GiB upload file: `openssl dgst -sha256` (hashing) and
# `dd bs=1M conv=fsync` onto the data dirs' filesystem (disk); (2) downloads with wrk, nginx
# static vs tollgated GET /api/v1/artifacts/bench/dl/FILE (byte for byte the same file);
# (3) large uploads with curl, one at a time: tollgated PUT /api/v1/artifacts/bench/bigN/file
# with X-Checksum-Sha256, registry POST /v2/bench/blobs/uploads/ + PUT <Location>&digest=, nginx
# WebDAV PUT /dav/NAME; (4) small uploads with put_many.py (same client, same blobs, for all
# three); (5) tollgated's peak RSS (VmHWM) while it stores, then serves, one RSS_MIB file.
# Server CPU time (user+system) is measured around every step. Every upload must answer 201;
# the script exits 1 after the report if one did not. It never fails because something is slow:
# missed targets are reported, not fatal.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BENCH_DIR="$REPO_ROOT/tools/bench"
TOLLGATED="${TOLLGATED:-$REPO_ROOT/build/server/tollgated}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
DL_SMALL_KIB="${DL_SMALL_KIB:-4}"
DL_BIG_MIB="${DL_BIG_MIB:-1024}"
UP_SMALL_KIB="${UP_SMALL_KIB:-4}"
UP_SMALL_COUNT="${UP_SMALL_COUNT:-1000}"
UP_WORKERS="${UP_WORKERS:-8}"
UP_BIG_MIB="${UP_BIG_MIB:-1024}"
UP_BIG_COUNT="${UP_BIG_COUNT:-2}"
RSS_MIB="${RSS_MIB:-4096}"
TLS13_CIPHER="${TLS13_CIPHER:-TLS_AES_256_GCM_SHA384}"
OUT="${OUT:-}"
THREADS=2
SMALL_CONNECTIONS=64
BIG_CONNECTIONS=4
WRK_TIMEOUT=60s  # per request; wrk's default 2 s would count slow 1 GiB responses as errors
RSS_LIMIT_MIB=64  # the memory target

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

[[ -z "${UP_SMALL_MIB:-}" ]] || die "UP_SMALL_MIB is gone: small uploads are sized in KiB now (UP_SMALL_KIB)"

# --- tools ------------------------------------------------------------------------------------
need_pkgs=()
command -v nginx >/dev/null 2>&1 || need_pkgs+=(nginx-light)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v jq >/dev/null 2>&1 || need_pkgs+=(jq)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl)
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
"$NGINX" -V 2>&1 | grep -q -- --with-http_dav_module ||
  die "$NGINX is built without the WebDAV module (Debian's nginx-light has it)"
# %header{...} in -w (reading the upload Location) needs curl 7.84.
curl_version="$(curl --version | awk 'NR == 1 { print $2 }')"
printf '%s\n%s\n' 7.84.0 "$curl_version" | sort -V -C || die "curl $curl_version is too old (need 7.84+)"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 7))' || die "python3 is too old (need 3.7+)"

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
for v in DL_SMALL_KIB DL_BIG_MIB UP_SMALL_KIB UP_SMALL_COUNT UP_WORKERS UP_BIG_MIB UP_BIG_COUNT RSS_MIB; do
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
  for p in "${WORKER_PIDS[@]}"; do stop_pid "$p" "upload client"; done
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

# --- sizes and free space ---------------------------------------------------------------------
KIB=1024
MIB=1048576
DL_SMALL_BYTES=$((DL_SMALL_KIB * KIB))
DL_BIG_BYTES=$((DL_BIG_MIB * MIB))
UP_SMALL_BYTES=$((UP_SMALL_KIB * KIB))
UP_BIG_BYTES=$((UP_BIG_MIB * MIB))
RSS_BYTES=$((RSS_MIB * MIB))
# Peak disk use: files are removed as soon as they are no longer needed (the download file after
# the downloads, each large blob and its three stored copies after its round, the memory step's
# client copy once tollgated has stored it), so the peak is the largest of these moments, plus
# the small blobs (client + 3 servers, with some per-file overhead) and some slack.
max_of() { local m=0 v; for v in "$@"; do ((v > m)) && m=$v; done; echo "$m"; }
NEED_BYTES=$(($(max_of \
  $((DL_BIG_BYTES + (UP_BIG_COUNT + 1) * UP_BIG_BYTES)) \
  $((2 * DL_BIG_BYTES + UP_BIG_COUNT * UP_BIG_BYTES)) \
  $(((UP_BIG_COUNT + 3) * UP_BIG_BYTES)) \
  $((2 * RSS_BYTES))) + UP_SMALL_COUNT * (4 * UP_SMALL_BYTES + 3 * 32 * KIB) + 256 * MIB))
AVAIL_BYTES="$(df -PB1 "$TMP" | awk 'NR == 2 { print $4 }')"
FS_TYPE="$(df -PT "$TMP" 2>/dev/null | awk 'NR == 2 { print $2 " on " $1 }')"
gib() { awk -v b="$1" 'BEGIN { printf "%.1f GiB", b / 1073741824 }'; }
log "temp dir $TMP on ${FS_TYPE:-unknown}: $(gib "$AVAIL_BYTES") free, about $(gib "$NEED_BYTES") needed at the peak"
((AVAIL_BYTES >= NEED_BYTES)) ||
  die "not enough free space in ${TMPDIR:-/tmp} ($(gib "$AVAIL_BYTES") free, about $(gib "$NEED_BYTES") needed): set TMPDIR to a bigger filesystem or lower DL_BIG_MIB, UP_BIG_MIB, UP_BIG_COUNT or RSS_MIB"
[[ "$FS_TYPE" != tmpfs* ]] ||
  log "warning: $TMP is on tmpfs, where fsync is free and the disk ceiling means nothing; set TMPDIR to a real disk"

# --- test data --------------------------------------------------------------------------------
# Generated before any server starts, so that generating it competes with nothing measured
# (except the memory step's file, generated just before that step, to keep the disk peak low).
NG="$TMP/nginx"
mkdir -p "$NG/www" "$NG/dav" "$NG/tmp" "$NG/logs" "$TMP/small" "$TMP/big" "$TMP/status"
# WebDAV PUTs are written by nginx's workers, which run as nobody when started as root.
chmod 0755 "$NG" "$NG/www"
chmod 0777 "$NG/dav"
# Large files are an AES-128-CTR keystream under a fresh random key (incompressible, distinct per
# file, several times faster than /dev/urandom), hashed with OpenSSL (SHA-NI where the CPU has
# it; coreutils' sha256sum is far slower): minutes less of set-up with gigabytes of data.
rand_file() {  # rand_file BYTES FILE
  head -c "$1" /dev/zero |
    openssl enc -aes-128-ctr -nosalt -K "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" \
      -iv "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$2"
  [[ "$(stat -c %s "$2")" == "$1" ]] || die "could not generate $2"
}
sha256_hex() { openssl dgst -sha256 -r "$@" | cut -c1-64; }  # sha256_hex [FILE], else stdin
DL_SMALL_NAME="${DL_SMALL_KIB}k.bin"
DL_BIG_NAME="${DL_BIG_MIB}m.bin"
log "generating $DL_SMALL_KIB KiB + $DL_BIG_MIB MiB download files, $UP_SMALL_COUNT × $UP_SMALL_KIB KiB and $UP_BIG_COUNT × $UP_BIG_MIB MiB upload blobs"
head -c "$DL_SMALL_BYTES" /dev/urandom >"$NG/www/$DL_SMALL_NAME"
rand_file "$DL_BIG_BYTES" "$NG/www/$DL_BIG_NAME"
chmod 0644 "$NG/www/$DL_SMALL_NAME" "$NG/www/$DL_BIG_NAME"
DL_BIG_HEX="$(sha256_hex "$NG/www/$DL_BIG_NAME")"

# Small blobs: one set of UP_SMALL_COUNT distinct blobs, uploaded once to each server (different
# servers, so the same bytes are new to each; within one server no blob repeats).
head -c $((UP_SMALL_COUNT * UP_SMALL_BYTES)) /dev/urandom |
  split -b "$UP_SMALL_BYTES" -a 6 -d --additional-suffix=.bin - "$TMP/small/"
for ((i = 0; i < UP_BIG_COUNT; i++)); do
  rand_file "$UP_BIG_BYTES" "$TMP/big/$(printf '%06d' "$i").bin"
done
BIG_HEX=()
for ((i = 0; i < UP_BIG_COUNT; i++)); do BIG_HEX+=("$(sha256_hex "$TMP/big/$(printf '%06d' "$i").bin")"); done
(($(find "$TMP/small" -name '*.bin' | wc -l) == UP_SMALL_COUNT && ${#BIG_HEX[@]} == UP_BIG_COUNT)) ||
  die "blob generation failed"
big_file() { printf '%s/big/%06d.bin' "$TMP" "$1"; }

now_ns() { date +%s%N; }
calc() { awk "BEGIN { $1 }"; }  # calc 'printf "%.2f", 1 / 3'

# --- ceilings ---------------------------------------------------------------------------------
# On the first large upload blob, before any server runs: how fast this box hashes (one core,
# OpenSSL's SHA-256, the file in the page cache) and how fast it writes a file durably onto the
# filesystem of the data dirs. Dirty pages from generating the data are written out first.
sync -f "$TMP"  # the filesystem of the data dirs
log "ceilings: openssl dgst -sha256 and dd conv=fsync of $UP_BIG_MIB MiB"
t0="$(now_ns)"
got="$(openssl dgst -sha256 -r "$(big_file 0)" | cut -c1-64)"  # the same command as sha256_hex
t1="$(now_ns)"
[[ "$got" == "${BIG_HEX[0]}" ]] || die "openssl dgst -sha256 gave another digest this time ($got, ${BIG_HEX[0]})"
CEIL_HASH_NS=$((t1 - t0))
t0="$(now_ns)"
dd if="$(big_file 0)" of="$TMP/ceiling.bin" bs=1M conv=fsync status=none
t1="$(now_ns)"
rm -f "$TMP/ceiling.bin"
CEIL_DISK_NS=$((t1 - t0))
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

# --- nginx (downloads; WebDAV PUT for uploads) ------------------------------------------------
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
    # The upload reference: PUT stores the body as a file, nothing checks it, nothing fsyncs it.
    # The body goes to a temp file on the same filesystem and is renamed into place (201).
    location /dav/ {
      root $NG;
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
      client_body_temp_path $NG/tmp/dav;
    }
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
  hex="$(sha256_hex "$NG/www/$name")"
  code="$(curl -sS --cacert "$CERT" "${AUTH[@]}" -H 'Expect:' -H "X-Checksum-Sha256: $hex" \
    -T "$NG/www/$name" -o "$TMP/put.json" -w '%{http_code}' "$TG_URL/api/v1/artifacts/bench/dl/$name")"
  [[ "$code" == 201 ]] || die "storing $name in tollgated: HTTP $code: $(head -c 500 "$TMP/put.json")"
  for url in "$NG_URL/$name" "$TG_URL/api/v1/artifacts/bench/dl/$name"; do
    got="$(curl -fsS --cacert "$CERT" "${AUTH[@]}" "$url" | sha256_hex)" ||
      die "cannot download $url"
    [[ "$got" == "$hex" ]] || die "$url served other bytes (sha256 $got, want $hex)"
  done
done

# nginx's WebDAV location must take a PUT (201) and serve it back.
code="$(curl -sS --cacert "$CERT" -H 'Expect:' -T "$NG/www/$DL_SMALL_NAME" -o "$TMP/put.out" \
  -w '%{http_code}' "$NG_URL/dav/probe.bin")"
[[ "$code" == 201 ]] || die "nginx WebDAV PUT: HTTP $code: $(head -c 500 "$TMP/put.out")"
cmp -s "$NG/www/$DL_SMALL_NAME" "$NG/dav/probe.bin" || die "nginx WebDAV PUT stored other bytes"
rm -f "$NG/dav/probe.bin"

# Stored blobs are removed as soon as they are no longer needed, to keep the disk peak low.
# tollgated has no artifact DELETE, so its blob file is removed behind its back (found by its
# name, the hex digest); nothing in this run reads that artifact again.
drop_blob() {  # drop_blob SERVER HEX (a warning when it was not where expected)
  local dir="$REG/data/docker/registry/v2/blobs/sha256/${2:0:2}/$2"
  case "$1" in
    tollgated)
      find "$DATA" -type f -name "$2" -print -delete | grep -q . ||
        log "warning: tollgated's blob $2 not found under $DATA, not removed"
      ;;
    registry)
      [[ -d "$dir" ]] || log "warning: the registry's blob $2 not found at $dir"
      rm -rf "$dir"
      ;;
  esac
}

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
rm -f "$NG/www/$DL_BIG_NAME"
drop_blob tollgated "$DL_BIG_HEX"

# --- large uploads ----------------------------------------------------------------------------
# One curl process per upload (its own cost is nothing beside a 1 GiB body) with the same options
# for every server: HTTP/1.1, the same single TLS 1.3 suite (Go would otherwise pick AES-128 and
# OpenSSL AES-256), no "Expect: 100-continue" round trip, the body streamed from the file with -T.
CURL_UP=(curl -sS --http1.1 --tls13-ciphers "$TLS13_CIPHER" --cacert "$CERT" -o /dev/null
         -H 'Expect:' -H 'Content-Type: application/octet-stream')

# upload_one TARGET NAME FILE HEX MAX_SECONDS: prints the final HTTP status (201 = stored), or
# "post-STATUS" when the registry's first step failed.
upload_one() {
  local target="$1" name="$2" file="$3" hex="$4" max="$5" resp code loc sep
  case "$target" in
    tg_put)
      "${CURL_UP[@]}" --max-time "$max" "${AUTH[@]}" -H "X-Checksum-Sha256: $hex" -T "$file" \
        -w '%{http_code}' "$TG_URL/api/v1/artifacts/bench/$name/file" || true
      ;;
    nginx)
      "${CURL_UP[@]}" --max-time "$max" -T "$file" -w '%{http_code}' "$NG_URL/dav/$name.bin" || true
      ;;
    registry)
      resp="$(curl -sS --http1.1 --tls13-ciphers "$TLS13_CIPHER" --cacert "$CERT" -o /dev/null \
        --max-time 60 -X POST -w '%{http_code} %header{location}' "$REG_URL/v2/bench/blobs/uploads/" || true)"
      code="${resp%% *}" loc="${resp#* }"
      if [[ "$code" != 202 || -z "$loc" || "$loc" == "$resp" ]]; then
        printf 'post-%s' "${code:-000}"
        return 0
      fi
      [[ "$loc" == /* ]] && loc="$REG_URL$loc"
      sep='?'; [[ "$loc" == *\?* ]] && sep='&'
      "${CURL_UP[@]}" --max-time "$max" -T "$file" -w '%{http_code}' "$loc${sep}digest=sha256:$hex" || true
      ;;
  esac
}

declare -A U_NS U_CPU U_OK U_N U_CLIENT_CPU U_CONNS U_REQS U_TLS
server_of() {
  case "$1" in
    *registry) echo registry ;;
    *nginx) echo nginx ;;
    *) echo tollgated ;;
  esac
}
UP_TARGETS=(registry nginx tg_put)
for t in "${UP_TARGETS[@]}" "${UP_TARGETS[@]/#/big_}"; do
  U_NS[$t]=0 U_CPU[$t]=0 U_OK[$t]=0 U_N[$t]=0 U_CLIENT_CPU[$t]=0 U_CONNS[$t]=0 U_REQS[$t]=0
done
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

big_one() {  # big_one TARGET INDEX
  local target="$1" i="$2" srv t0 t1 c0 c1 out="$TMP/status/big_$1.$2"
  srv="$(server_of "$target")"
  log "upload $target: $UP_BIG_MIB MiB blob $((i + 1))/$UP_BIG_COUNT"
  c0="$(cpu_ticks "$srv")"
  t0="$(now_ns)"
  # In the background plus wait, so that an INT/TERM trap runs at once, not after the upload.
  upload_one "$target" "big$i" "$(big_file "$i")" "${BIG_HEX[i]}" $((120 + UP_BIG_MIB)) >"$out" &
  WORKER_PIDS=($!)
  wait "${WORKER_PIDS[0]}" || true
  WORKER_PIDS=()
  t1="$(now_ns)"
  c1="$(cpu_ticks "$srv")"
  U_NS[big_$target]=$((${U_NS[big_$target]} + t1 - t0))
  U_CPU[big_$target]=$((${U_CPU[big_$target]} + c1 - c0))
  echo >>"$out"
  tally "big_$target" "$out"
}
# One blob at a time to all three servers, rotating who goes first (a load drifting during the
# run weighs on each alike); then the blob's client copy and its three stored copies go.
for ((i = 0; i < UP_BIG_COUNT; i++)); do
  for ((k = 0; k < 3; k++)); do big_one "${UP_TARGETS[(i + k) % 3]}" "$i"; done
  rm -f "$(big_file "$i")" "$NG/dav/big$i.bin"
  drop_blob registry "${BIG_HEX[i]}"
  drop_blob tollgated "${BIG_HEX[i]}"
done

# --- small uploads ----------------------------------------------------------------------------
# put_many.py: UP_WORKERS threads, one keep-alive connection each, the same client and the same
# blobs for all three servers. Python's ssl cannot choose TLS 1.3 suites; an OpenSSL config
# for that one process can (checked: the suite negotiated is reported).
cat >"$TMP/openssl-client.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Ciphersuites = $TLS13_CIPHER
EOF

# small_batch TARGET FIRST COUNT: blobs FIRST..FIRST+COUNT-1 (sorted by name) to TARGET.
small_batch() {
  local target="$1" first="$2" count="$3" srv c0 c1 rc=0 out="$TMP/status/$1.$2.json" args=()
  ((count > 0)) || return 0
  case "$target" in
    registry) args=(--kind registry --url "$REG_URL" --repo bench) ;;
    nginx) args=(--kind put --url "$NG_URL" --path '/dav/s{name}') ;;
    tg_put) args=(--kind tollgated --url "$TG_URL" --path '/api/v1/artifacts/bench/s{stem}/{name}') ;;
  esac
  srv="$(server_of "$target")"
  log "uploads $target: $count × $UP_SMALL_KIB KiB, $UP_WORKERS connections"
  c0="$(cpu_ticks "$srv")"
  TOLLGATE_TOKEN="$TOKEN" OPENSSL_CONF="$TMP/openssl-client.cnf" \
    timeout --kill-after=5 $((300 + count)) python3 "$BENCH_DIR/put_many.py" "${args[@]}" \
    --cacert "$CERT" --dir "$TMP/small" --first "$first" --count "$count" --workers "$UP_WORKERS" \
    >"$out" 2>"$out.err" &
  WORKER_PIDS=($!)
  wait "${WORKER_PIDS[0]}" || rc=$?
  WORKER_PIDS=()
  c1="$(cpu_ticks "$srv")"
  if ((rc != 0)) || ! jq -e '.ok' "$out" >/dev/null 2>&1; then
    log "put_many.py for $target failed (exit $rc): $(head -c 1000 "$out.err")"
    U_N[$target]=$((U_N[$target] + count))
    echo "client-exit-$rc" >>"$TMP/status/$target.bad"
    return 0
  fi
  U_CPU[$target]=$((U_CPU[$target] + c1 - c0))
  U_NS[$target]=$((U_NS[$target] + $(jq -r '.seconds * 1e9 | floor' "$out")))
  U_OK[$target]=$((U_OK[$target] + $(jq -r .ok "$out")))
  U_N[$target]=$((U_N[$target] + $(jq -r '.ok + .failed' "$out")))
  U_CONNS[$target]=$((U_CONNS[$target] + $(jq -r .connections "$out")))
  U_REQS[$target]=$((U_REQS[$target] + $(jq -r .requests "$out")))
  U_CLIENT_CPU[$target]="$(calc "print ${U_CLIENT_CPU[$target]} + $(jq -r .client_cpu_seconds "$out")")"
  U_TLS[$target]="$(jq -r '.tls // "?"' "$out")"
  jq -r '.statuses | to_entries[] | select(.key != "201") | range(.value) as $_ | .key' "$out" \
    >>"$TMP/status/$target.bad"
}
# Halves in A B C C B A order, so that a load drifting during the run (this box is shared)
# weighs on every server alike.
HALF=$((UP_SMALL_COUNT / 2))
for t in registry nginx tg_put; do small_batch "$t" 0 "$HALF"; done
for t in tg_put nginx registry; do small_batch "$t" "$HALF" $((UP_SMALL_COUNT - HALF)); done

# --- memory -----------------------------------------------------------------------------------
# Peak RSS over the whole run so far (every step above), for all three servers.
NGINX_PROCS="$(server_pids nginx | wc -w)"
TG_HWM="$(status_kib tollgated VmHWM)" TG_RSS="$(status_kib tollgated VmRSS)"
REG_HWM="$(status_kib registry VmHWM)" REG_RSS="$(status_kib registry VmRSS)"
NG_HWM="$(status_kib nginx VmHWM)" NG_RSS="$(status_kib nginx VmRSS)"

# Then tollgated's peak while it stores one RSS_MIB file (curl PUT) and while it serves it back
# (curl GET to /dev/null), each measured from a reset peak: writing 5 to /proc/PID/clear_refs
# sets VmHWM back to the current RSS. Where that is refused the figures are peaks since start.
reset_hwm() { echo 5 2>/dev/null >"/proc/$TG_PID/clear_refs"; }
HWM_RESET=yes
log "memory step: generating $RSS_MIB MiB"
RSS_FILE="$TMP/rss.bin"
rand_file "$RSS_BYTES" "$RSS_FILE"
RSS_HEX="$(sha256_hex "$RSS_FILE")"
sync -f "$TMP"  # the filesystem of the data dirs
reset_hwm || HWM_RESET=no
log "memory step: PUT $RSS_MIB MiB to tollgated"
c0="$(cpu_ticks tollgated)"
t0="$(now_ns)"
"${CURL_UP[@]}" --max-time $((120 + RSS_MIB)) "${AUTH[@]}" -H "X-Checksum-Sha256: $RSS_HEX" \
  -T "$RSS_FILE" -w '%{http_code}' "$TG_URL/api/v1/artifacts/bench/rss/file" >"$TMP/status/rss_put" || true &
WORKER_PIDS=($!)
wait "${WORKER_PIDS[0]}" || true
WORKER_PIDS=()
t1="$(now_ns)"
c1="$(cpu_ticks tollgated)"
RSS_PUT_NS=$((t1 - t0)) RSS_PUT_CPU=$((c1 - c0))
RSS_PUT_STATUS="$(cat "$TMP/status/rss_put")"
RSS_PUT_HWM="$(status_kib tollgated VmHWM)"
rm -f "$RSS_FILE"
reset_hwm || HWM_RESET=no
log "memory step: GET $RSS_MIB MiB from tollgated"
c0="$(cpu_ticks tollgated)"
t0="$(now_ns)"
curl -sS --http1.1 --tls13-ciphers "$TLS13_CIPHER" --cacert "$CERT" "${AUTH[@]}" -o /dev/null \
  --max-time $((120 + RSS_MIB)) -w '%{http_code} %{size_download}' \
  "$TG_URL/api/v1/artifacts/bench/rss/file" >"$TMP/status/rss_get" || true &
WORKER_PIDS=($!)
wait "${WORKER_PIDS[0]}" || true
WORKER_PIDS=()
t1="$(now_ns)"
c1="$(cpu_ticks tollgated)"
RSS_GET_NS=$((t1 - t0)) RSS_GET_CPU=$((c1 - c0))
read -r RSS_GET_STATUS RSS_GET_BYTES <"$TMP/status/rss_get" || true
RSS_GET_HWM="$(status_kib tollgated VmHWM)"
TG_RSS_END="$(status_kib tollgated VmRSS)"
drop_blob tollgated "$RSS_HEX"
RSS_PEAK="$(max_of "$RSS_PUT_HWM" "$RSS_GET_HWM")"
RSS_FAILED=0
[[ "$RSS_PUT_STATUS" == 201 ]] || RSS_FAILED=1
[[ "${RSS_GET_STATUS:-}" == 200 && "${RSS_GET_BYTES:-}" == "$RSS_BYTES" ]] || RSS_FAILED=1

# --- report -----------------------------------------------------------------------------------
fmt_int() { printf "%'.0f" "$1" 2>/dev/null || printf '%s' "$1"; }
mib() { calc "printf \"%.1f MiB\", $1 / 1024"; }
per_s() { calc "printf \"%.1f\", ($2 > 0) ? $1 / $2 : 0"; }        # per_s COUNT SECONDS
mb_s() { calc "printf \"%.1f\", ($2 > 0) ? $1 / $2 / 1e6 : 0"; }   # mb_s BYTES SECONDS
cpu_per() { calc "printf \"%.3f\", ($2 > 0) ? $1 / $2 : 0"; }      # cpu_per SECONDS UNITS
ns_to_s() { calc "printf \"%.3f\", $1 / 1e9"; }
size_mib() { if (($1 % 1024 == 0)); then echo "$(($1 / 1024)) GiB"; else echo "$1 MiB"; fi; }
size_kib() { if (($1 % 1024 == 0)); then size_mib $(($1 / 1024)); else echo "$1 KiB"; fi; }
bold_ratio() { local r; r="$(ratio "$1" "$2")"; [[ "$r" == n/a ]] && echo n/a || echo "**$r**"; }

NG_S_RATE="$(per_s "$NG_S_OK" "$NG_S_SECS")"
TG_S_RATE="$(per_s "$TG_S_OK" "$TG_S_SECS")"
NG_S_CPU_REQ="$(calc "printf \"%.1f\", ($NG_S_REQS > 0) ? $NG_S_CPU * 1e6 / $NG_S_REQS : 0")"
TG_S_CPU_REQ="$(calc "printf \"%.1f\", ($TG_S_REQS > 0) ? $TG_S_CPU * 1e6 / $TG_S_REQS : 0")"
NG_B_RATE="$(mb_s "$NG_B_BYTES" "$NG_B_SECS")"
TG_B_RATE="$(mb_s "$TG_B_BYTES" "$TG_B_SECS")"
NG_B_CPU_GB="$(cpu_per "$NG_B_CPU" "$(calc "print $NG_B_BYTES / 1e9")")"
TG_B_CPU_GB="$(cpu_per "$TG_B_CPU" "$(calc "print $TG_B_BYTES / 1e9")")"

declare -A U_RATE U_CPU_UNIT U_SECS
for t in "${UP_TARGETS[@]}"; do
  U_SECS[$t]="$(ns_to_s "${U_NS[$t]}")"
  U_RATE[$t]="$(per_s "${U_OK[$t]}" "${U_SECS[$t]}")"
  # µs of server CPU per upload (the registry's upload is two requests)
  U_CPU_UNIT[$t]="$(calc "printf \"%.1f\", (${U_N[$t]} > 0) ? ${U_CPU[$t]} * 1e6 / $CLK_TCK / ${U_N[$t]} : 0")"
  U_CLIENT_CPU[$t]="$(calc "printf \"%.2f\", ${U_CLIENT_CPU[$t]}")"
done
for t in "${UP_TARGETS[@]/#/big_}"; do
  U_SECS[$t]="$(ns_to_s "${U_NS[$t]}")"
  U_RATE[$t]="$(mb_s $((U_OK[$t] * UP_BIG_BYTES)) "${U_SECS[$t]}")"
  U_CPU_UNIT[$t]="$(calc "printf \"%.3f\", (${U_N[$t]} > 0) ? ${U_CPU[$t]} / $CLK_TCK / (${U_N[$t]} * $UP_BIG_BYTES / 1e9) : 0")"
done
UP_FAILED=0
for t in "${UP_TARGETS[@]}" "${UP_TARGETS[@]/#/big_}"; do
  ((U_OK[$t] == U_N[$t] && U_N[$t] > 0)) || UP_FAILED=1
done
uploads_cell() {  # "N/M × 201", plus the other statuses seen
  local t="$1" cell="${U_OK[$1]}/${U_N[$1]} × 201"
  if [[ -s "$TMP/status/$t.bad" ]]; then
    cell="$cell; **others: $(sort "$TMP/status/$t.bad" | uniq -c | awk '{ printf "%s%s×%s", sep, $1, $2; sep = ", " }')**"
  fi
  printf '%s' "$cell"
}
small_note() {  # wall time, client CPU, connections of a small-upload row
  local t="$1"
  printf 'wall %s s; client CPU %s s; %s requests on %s connections' "${U_SECS[$t]}" \
    "${U_CLIENT_CPU[$t]}" "${U_REQS[$t]}" "${U_CONNS[$t]}"
}

CEIL_HASH_RATE="$(mb_s "$UP_BIG_BYTES" "$(ns_to_s "$CEIL_HASH_NS")")"
CEIL_DISK_RATE="$(mb_s "$UP_BIG_BYTES" "$(ns_to_s "$CEIL_DISK_NS")")"
RSS_PUT_S="$(ns_to_s "$RSS_PUT_NS")" RSS_GET_S="$(ns_to_s "$RSS_GET_NS")"
RSS_PUT_RATE="$(mb_s "$([[ "$RSS_PUT_STATUS" == 201 ]] && echo "$RSS_BYTES" || echo 0)" "$RSS_PUT_S")"
RSS_GET_RATE="$(mb_s "${RSS_GET_BYTES:-0}" "$RSS_GET_S")"
RSS_GB="$(calc "print $RSS_BYTES / 1e9")"
RSS_PUT_CPU_GB="$(cpu_per "$(calc "print $RSS_PUT_CPU / $CLK_TCK")" "$RSS_GB")"
RSS_GET_CPU_GB="$(cpu_per "$(calc "print $RSS_GET_CPU / $CLK_TCK")" "$RSS_GB")"

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
TLS_NG_UP="$(tls_of "$NG_URL/$DL_SMALL_NAME" --tls13-ciphers "$TLS13_CIPHER")"
TLS_TG_UP="$(tls_of "$TG_URL/api/v1/artifacts/bench/dl/$DL_SMALL_NAME" "${AUTH[@]}" --tls13-ciphers "$TLS13_CIPHER")"

CPU_MODEL="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
GIT_REV="$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$REPO_ROOT" diff --quiet HEAD -- 2>/dev/null || GIT_REV="$GIT_REV (+ uncommitted changes)"
REG_VERSION="$("$REGISTRY" --version 2>/dev/null | awk '{ print $NF }')"
DL_S_LABEL="GET $(size_kib "$DL_SMALL_KIB"), wrk -c$SMALL_CONNECTIONS"
DL_B_LABEL="GET $(size_mib "$DL_BIG_MIB"), wrk -c$BIG_CONNECTIONS"
UP_S_LABEL="PUT $(size_kib "$UP_SMALL_KIB") × $UP_SMALL_COUNT, $UP_WORKERS connections"
UP_B_LABEL="PUT $(size_mib "$UP_BIG_MIB") × $UP_BIG_COUNT, one at a time"
PY_VERSION="$(python3 -c 'import platform, ssl; print(platform.python_version(), "with", ssl.OPENSSL_VERSION)')"

# target_row NAME TOLLGATED PEER GOAL: a row of the targets table, TOLLGATED ÷ PEER against
# "≥ GOAL×"; met when the ratio as printed (two decimals) is at least GOAL.
target_row() {
  local r result
  r="$(ratio "$2" "$3")"
  if [[ "$r" == n/a ]]; then
    result="**missed** (no measurement)"
  elif awk -v r="$r" -v g="$4" 'BEGIN { exit !(r >= g) }'; then
    result=met
  else
    result="**missed**"
  fi
  [[ "$r" == n/a ]] || r="${r}×"
  echo "| $1 | $r | ≥ $4× | $result |"
}
DEFAULT_SIZES=1
((DL_SMALL_KIB == 4 && DL_BIG_MIB == 1024 && UP_SMALL_KIB == 4 && UP_SMALL_COUNT == 1000 &&
  UP_WORKERS == 8 && UP_BIG_MIB == 1024 && RSS_MIB == 4096)) || DEFAULT_SIZES=0

REPORT="$TMP/report.md"
{
  echo "## Tollgate artifact benchmark"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M:%SZ'), tollgate $GIT_REV"
  echo "- machine: nproc=$(nproc), CPU: ${CPU_MODEL:-unknown}, kernel $(uname -r), load average" \
       "$(cut -d' ' -f1-3 /proc/loadavg); data dirs on ${FS_TYPE:-unknown} ($(gib "$AVAIL_BYTES") free at start)"
  echo "- nginx $("$NGINX" -v 2>&1 | sed 's|.*nginx/||'), docker-registry ${REG_VERSION:-unknown}," \
       "wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }'), curl $curl_version, Python $PY_VERSION"
  echo "- downloads: wrk -t$THREADS, $DURATION per target (after a $WARMUP warm-up), HTTP/1.1 keep-alive;" \
       "TLS nginx: $TLS_NG, tollgated: $TLS_TG"
  echo "- large uploads: one curl per upload, HTTP/1.1, no Expect: 100-continue, TLS 1.3 suite forced to" \
       "$TLS13_CIPHER (registry: $TLS_REG_UP, nginx: $TLS_NG_UP, tollgated: $TLS_TG_UP; the registry" \
       "alone would pick ${TLS_REG_DEFAULT#*/ })"
  echo "- small uploads: tools/bench/put_many.py, $UP_WORKERS threads with one keep-alive connection each;" \
       "TLS registry: ${U_TLS[registry]:-?}, nginx: ${U_TLS[nginx]:-?}, tollgated: ${U_TLS[tg_put]:-?}"
  echo "- clients and servers share the same $(nproc) core(s), nothing pinned: compare ratios, not raw" \
       "numbers. Server CPU is user+system time of the server's processes during the measurement."
  echo "- who checks what: tollgated verifies X-Checksum-Sha256 and fsyncs (blob, directory, LMDB commit)" \
       "before 201; the registry verifies the digest and fsyncs; nginx WebDAV PUT does neither."
  echo
  echo "### Throughput"
  echo
  echo "In each peer's row, **tollgated ÷ this** is tollgated's rate divided by that peer's (above 1:" \
       "tollgated moved more) and CPU tollgated ÷ this the same for server CPU per request or GB (above 1:" \
       "tollgated spent more)."
  echo
  echo "| test | server | result | unit | tollgated ÷ this | server CPU | CPU tollgated ÷ this | failures | note |"
  echo "|---|---|---:|---|---:|---:|---:|---|---|"
  echo "| $DL_S_LABEL | nginx (static) | $(fmt_int "$NG_S_RATE") | 2xx/s | $(bold_ratio "$TG_S_RATE" "$NG_S_RATE") |" \
       "$NG_S_CPU_REQ µs/req | $(ratio "$TG_S_CPU_REQ" "$NG_S_CPU_REQ") | $NG_S_ERR | p99 $NG_S_P99 |"
  echo "| $DL_S_LABEL | tollgated | $(fmt_int "$TG_S_RATE") | 2xx/s | — | $TG_S_CPU_REQ µs/req | — |" \
       "$TG_S_ERR | p99 $TG_S_P99 |"
  echo "| $DL_B_LABEL | nginx (static) | $NG_B_RATE | MB/s | $(bold_ratio "$TG_B_RATE" "$NG_B_RATE") |" \
       "$NG_B_CPU_GB s/GB | $(ratio "$TG_B_CPU_GB" "$NG_B_CPU_GB") | $NG_B_ERR | $NG_B_REQS responses |"
  echo "| $DL_B_LABEL | tollgated | $TG_B_RATE | MB/s | — | $TG_B_CPU_GB s/GB | — | $TG_B_ERR |" \
       "$TG_B_REQS responses |"
  echo "| $UP_B_LABEL | registry (POST + PUT; verifies, fsyncs) | ${U_RATE[big_registry]} | MB/s |" \
       "$(bold_ratio "${U_RATE[big_tg_put]}" "${U_RATE[big_registry]}") | ${U_CPU_UNIT[big_registry]} s/GB |" \
       "$(ratio "${U_CPU_UNIT[big_tg_put]}" "${U_CPU_UNIT[big_registry]}") | $(uploads_cell big_registry) |" \
       "wall ${U_SECS[big_registry]} s |"
  echo "| $UP_B_LABEL | nginx (WebDAV PUT; no check, no fsync) | ${U_RATE[big_nginx]} | MB/s |" \
       "$(bold_ratio "${U_RATE[big_tg_put]}" "${U_RATE[big_nginx]}") | ${U_CPU_UNIT[big_nginx]} s/GB |" \
       "$(ratio "${U_CPU_UNIT[big_tg_put]}" "${U_CPU_UNIT[big_nginx]}") | $(uploads_cell big_nginx) |" \
       "wall ${U_SECS[big_nginx]} s |"
  echo "| $UP_B_LABEL | tollgated (PUT; verifies, fsyncs) | ${U_RATE[big_tg_put]} | MB/s | — |" \
       "${U_CPU_UNIT[big_tg_put]} s/GB | — | $(uploads_cell big_tg_put) | wall ${U_SECS[big_tg_put]} s |"
  echo "| $UP_S_LABEL | registry (POST + PUT) | $(fmt_int "${U_RATE[registry]}") | uploads/s |" \
       "$(bold_ratio "${U_RATE[tg_put]}" "${U_RATE[registry]}") | ${U_CPU_UNIT[registry]} µs/upload |" \
       "$(ratio "${U_CPU_UNIT[tg_put]}" "${U_CPU_UNIT[registry]}") | $(uploads_cell registry) | $(small_note registry) |"
  echo "| $UP_S_LABEL | nginx (WebDAV PUT) | $(fmt_int "${U_RATE[nginx]}") | uploads/s |" \
       "$(bold_ratio "${U_RATE[tg_put]}" "${U_RATE[nginx]}") | ${U_CPU_UNIT[nginx]} µs/upload |" \
       "$(ratio "${U_CPU_UNIT[tg_put]}" "${U_CPU_UNIT[nginx]}") | $(uploads_cell nginx) | $(small_note nginx) |"
  echo "| $UP_S_LABEL | tollgated (PUT) | $(fmt_int "${U_RATE[tg_put]}") | uploads/s | — |" \
       "${U_CPU_UNIT[tg_put]} µs/upload | — | $(uploads_cell tg_put) | $(small_note tg_put) |"
  echo "| PUT $(size_mib "$RSS_MIB") × 1 (memory step) | tollgated (PUT) | $RSS_PUT_RATE | MB/s | — |" \
       "$RSS_PUT_CPU_GB s/GB | — | $RSS_PUT_STATUS | wall $RSS_PUT_S s; peak RSS $(mib "$RSS_PUT_HWM") |"
  echo "| GET $(size_mib "$RSS_MIB") × 1, curl (memory step) | tollgated | $RSS_GET_RATE | MB/s | — |" \
       "$RSS_GET_CPU_GB s/GB | — | ${RSS_GET_STATUS:-none}, $(fmt_int "${RSS_GET_BYTES:-0}") of $(fmt_int "$RSS_BYTES") bytes |" \
       "wall $RSS_GET_S s; peak RSS $(mib "$RSS_GET_HWM") |"
  echo
  echo "### Ceilings"
  echo
  echo "| ceiling | MB/s | tollgated $(size_mib "$UP_BIG_MIB") PUT ÷ this |"
  echo "|---|---:|---:|"
  echo "| hashing: \`openssl dgst -sha256\` of the $(size_mib "$UP_BIG_MIB") upload file (page cache, one core) |" \
       "$CEIL_HASH_RATE | $(ratio "${U_RATE[big_tg_put]}" "$CEIL_HASH_RATE") |"
  echo "| disk: \`dd bs=1M conv=fsync\` of that file onto the data dirs' filesystem |" \
       "$CEIL_DISK_RATE | $(ratio "${U_RATE[big_tg_put]}" "$CEIL_DISK_RATE") |"
  echo
  echo "### Memory"
  echo
  echo "| server | when | peak RSS (VmHWM) | RSS after (VmRSS) | processes |"
  echo "|---|---|---:|---:|---|"
  echo "| tollgated | whole run up to the memory step | $(mib "$TG_HWM") | $(mib "$TG_RSS") | 1 |"
  echo "| tollgated | storing one $(size_mib "$RSS_MIB") file (PUT) | $(mib "$RSS_PUT_HWM") | | 1 |"
  echo "| tollgated | serving it (GET) | $(mib "$RSS_GET_HWM") | $(mib "$TG_RSS_END") | 1 |"
  echo "| docker-registry | whole run | $(mib "$REG_HWM") | $(mib "$REG_RSS") | 1 |"
  echo "| nginx | whole run | $(mib "$NG_HWM") | $(mib "$NG_RSS") | $NGINX_PROCS (master + workers, summed; shared pages counted in each) |"
  if [[ "$HWM_RESET" != yes ]]; then
    echo
    echo "The kernel refused to reset tollgated's peak (/proc/PID/clear_refs), so the memory-step" \
         "figures are peaks since start."
  fi
  echo
  echo "### Targets"
  echo
  echo "| target | measured | goal | result |"
  echo "|---|---:|---:|---|"
  target_row "$(size_mib "$DL_BIG_MIB") download: tollgated ÷ nginx (the faster peer)" "$TG_B_RATE" "$NG_B_RATE" 1.05
  target_row "$(size_mib "$UP_BIG_MIB") verified durable upload: tollgated ÷ registry" \
    "${U_RATE[big_tg_put]}" "${U_RATE[big_registry]}" 3
  target_row "$(size_mib "$UP_BIG_MIB") verified durable upload: tollgated ÷ nginx's unverified PUT" \
    "${U_RATE[big_tg_put]}" "${U_RATE[big_nginx]}" 0.8
  target_row "$(size_kib "$UP_SMALL_KIB") uploads, $UP_WORKERS at a time: tollgated ÷ registry" \
    "${U_RATE[tg_put]}" "${U_RATE[registry]}" 10
  target_row "$(size_kib "$DL_SMALL_KIB") GETs at $SMALL_CONNECTIONS connections: tollgated ÷ nginx" \
    "$TG_S_RATE" "$NG_S_RATE" 0.8
  if ((RSS_FAILED == 0)) && ((RSS_PEAK < RSS_LIMIT_MIB * 1024)); then r=met; else r="**missed**"; fi
  ((RSS_FAILED == 0)) || r="$r (the memory step's transfer failed)"
  echo "| tollgated peak RSS while storing and serving one $(size_mib "$RSS_MIB") file | $(mib "$RSS_PEAK") |" \
       "< $RSS_LIMIT_MIB MiB | $r |"
  echo
  if ((DEFAULT_SIZES == 0)); then
    echo "**Sizes differ from the defaults the targets are stated for** (4 KiB GETs, 1 GiB transfers," \
         "1,000 × 4 KiB uploads 8 at a time, 4 GiB memory step): read the verdicts with that in mind."
    echo
  fi
  echo "MB = 10^6 bytes. Rates count successes only (2xx responses, 201 uploads); MB/s for downloads is" \
       "every byte wrk read over the run. failures = non-2xx / socket errors (downloads) or upload statuses." \
       "Server CPU per upload covers both of the registry's requests. A small-upload client CPU close to" \
       "its wall time means put_many.py used a whole core and may be what limits that row."
} >"$REPORT"

echo
cat "$REPORT"
if [[ -n "$OUT" ]]; then
  cp "$REPORT" "$OUT"
  log "report written to $OUT"
fi
((UP_FAILED == 0 && RSS_FAILED == 0)) || die "not every upload answered 201 or the memory step failed (see failures)"
((DL_FAILED == 0)) || log "warning: some downloads failed (see failures); their rates count successes only"
