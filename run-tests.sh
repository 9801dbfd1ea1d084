#!/usr/bin/env bash
# Runs every test: unit tests (surefire) and integration tests that start real node JVMs and
# SIPp processes (failsafe). Installs SIPp (Debian package sip-tester) first when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v sipp >/dev/null 2>&1; then
  echo "installing SIPp (sip-tester)..." >&2
  sudo_cmd=""
  [[ $(id -u) -eq 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sip-tester >/dev/null
fi
sipp -v 2>/dev/null | head -n 2 | tail -n 1 || true
exec mvn -B verify "$@"
