#!/usr/bin/env bash
# Kubernetes preStop hook of the SBC container (deploy/k8s/deployment.yaml): tells the node in this
# container to drain (POST /sbc/drain: new INVITEs get 503 + Retry-After, /ready turns false), then
# waits SBC_PRESTOP_WAIT seconds [5] so that the Services and the front stop sending to it before
# Kubernetes sends SIGTERM (the node then leaves: drain time, shard hand-off, exit).
# Only bash: the JRE image has no curl. Plain HTTP management only (with SBC_HTTP_TLS_* use an
# exec of your own). Reads the node's SBC_HTTP_HOST, SBC_HTTP_PORT and SBC_ADMIN_TOKEN(_FILE).
set -uo pipefail
token=${SBC_ADMIN_TOKEN:-}
if [[ -n ${SBC_ADMIN_TOKEN_FILE:-} ]]; then
  token=$(<"$SBC_ADMIN_TOKEN_FILE")
fi
host=${SBC_HTTP_HOST:-127.0.0.1}
[[ $host == 0.0.0.0 ]] && host=127.0.0.1
port=${SBC_HTTP_PORT:-8558}
if exec 3<>"/dev/tcp/$host/$port"; then
  printf 'POST /sbc/drain HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n' \
    "$host" "$port" "$token" >&3
  read -r -t 5 status <&3 || status="no answer"
  exec 3<&-
  echo "drain: ${status%$'\r'}"
else
  echo "drain: management server $host:$port not reachable"
fi
# the hook's outcome does not matter to Kubernetes: SIGTERM follows either way, and it drains too
sleep "${SBC_PRESTOP_WAIT:-5}"
