#!/usr/bin/env bash
# Stops what deploy/start-cluster.sh started, by PID: the nodes first (SIGTERM: they leave the
# cluster), then PostgreSQL (fast shutdown). The data stays in data/cluster/ for the next start.
# SBC_CLUSTER_DIR: the directory given to deploy/start-cluster.sh [<repo>/data/cluster].
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pids="${SBC_CLUSTER_DIR:-$root/data/cluster}/pids"
[[ -f "$pids" ]] || { echo "no cluster started ($pids missing)"; exit 0; }
while read -r name pid; do
  [[ $name == pg ]] && continue
  kill "$pid" 2>/dev/null || true
done < "$pids"
while read -r name pid; do
  [[ $name == pg ]] && continue
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  echo "stopped $name ($pid)"
done < "$pids"
while read -r name pid; do
  [[ $name == pg ]] || continue
  kill -INT "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  echo "stopped PostgreSQL ($pid)"
done < "$pids"
rm -f "$pids"
