#!/usr/bin/env bash
# Runs every test: unit tests (surefire) and integration tests that start real node JVMs, SIPp
# processes and private PostgreSQL servers (failsafe). Installs what is missing first: SIPp
# (Debian package sip-tester), the PostgreSQL server (package postgresql; the tests run their
# own instances with initdb/pg_ctl on loopback ports, never the system one) and Kamailio (package
# kamailio: the cluster's front, run by the tests as their own process on loopback ports) and
# python3-matplotlib and python3-yaml (loadtests/sbc-load's plots and its compose topology;
# SbcLoadToolIT and SbcLoadDrillsIT run the tool).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
missing=()
command -v sipp >/dev/null 2>&1 || missing+=(sip-tester)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[[ -x /usr/sbin/kamailio ]] || missing+=(kamailio)
/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1 || missing+=(python3-matplotlib)
/usr/bin/python3 -c 'import yaml' >/dev/null 2>&1 || missing+=(python3-yaml)
if (( ${#missing[@]} > 0 )); then
  echo "installing ${missing[*]}..." >&2
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
sipp -v 2>/dev/null | head -n 2 | tail -n 1 || true
exec mvn -B verify "$@"
