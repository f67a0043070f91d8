#!/usr/bin/env bash
# Installs the Debian 12 packages Tollgate needs to build, test and benchmark. Idempotent:
# installs only what is missing. Run as root (or with sudo available).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache git clang clang-format clang-tidy libclang-rt-14-dev curl openssl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev liblmdb-dev lmdb-utils libgit2-dev
  doctest-dev libfmt-dev libtomlplusplus-dev libcli11-dev
  libldap-dev slapd ldap-utils
)
if [[ ${1:-} == --bench ]]; then packages+=(nginx-light wrk); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# slapd is only a test fixture: the LDAP tests start their own on a loopback port with their own
# configuration. Stop and disable the system instance the package may have started, so nothing
# listens on 389 or needs it at boot.
if [[ " ${missing[*]:-} " == *" slapd "* ]]; then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    "${sudo_cmd[@]}" systemctl disable --now slapd >/dev/null 2>&1 || true
  else
    "${sudo_cmd[@]}" service slapd stop >/dev/null 2>&1 || true
    "${sudo_cmd[@]}" update-rc.d slapd disable >/dev/null 2>&1 || true
  fi
fi

# Node and npm for the web and test tools (tests/openapi validates the API description), from
# Debian when missing; then the pinned tools of package-lock.json. Offline-friendly: an
# up-to-date node_modules is kept as it is.
node_missing=()
command -v node >/dev/null || node_missing+=(nodejs)
command -v npm >/dev/null || node_missing+=(npm)
if ((${#node_missing[@]})); then
  echo "installing: ${node_missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${node_missing[@]}"
fi
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in "$root/tests/openapi"; do
  installed=$dir/node_modules/.package-lock.json
  if [[ -f $installed && ! $dir/package-lock.json -nt $installed ]]; then continue; fi
  echo "npm ci in ${dir#"$root"/}"
  (cd "$dir" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
done
