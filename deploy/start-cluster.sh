#!/usr/bin/env bash
# Starts a local cluster on this machine: a private PostgreSQL journal (Debian package
# 'postgresql'; initdb into data/cluster/pg, loopback port SBC_PG_PORT, default 15432) and N node
# JVMs (default 3, heap 512 MiB each). Node i (1-based) listens on SIP 127.0.0.1:5060+100*(i-1)
# (UDP+TCP; TLS on that port + 1 when SBC_SIP_TLS_CERT/SBC_SIP_TLS_KEY are set, so that the nodes'
# TLS listeners do not all want 5061), HTTP 127.0.0.1:8557+i and cluster port 7354+i; node 1 is the seed. Calls go to
# SBC_NEXT_HOP (default sip:127.0.0.1:5070). Logs and PIDs are in data/cluster/; stop everything
# with deploy/stop-cluster.sh (by PID).
#
# Optional environment overrides (defaults in brackets), e.g. for a second cluster next to this one:
#   SBC_CLUSTER_DIR        directory of PostgreSQL, node data, logs and pids [<repo>/data/cluster]
#   SBC_PG_PORT            PostgreSQL port [15432]
#   SBC_SIP_BASE_PORT      SIP port of node 1 [5060]; SBC_SIP_PORT_STEP between nodes [100]
#   SBC_HTTP_BASE_PORT     HTTP port of node 1 [8558]; node i: base+i-1
#   SBC_CLUSTER_BASE_PORT  cluster port of node 1 (the seed) [7355]; node i: base+i-1
#   SBC_NODE_JAR           node fat jar to run [node/target/sbc-node-*-all.jar, built if missing]
#   SBC_NODE_CONFIG        config file passed as -Dconfig.file (start it with
#                          include classpath("application.conf")) [none]
#   SBC_JAVA_OPTS          JVM options of every node [-Xms256m -Xmx512m]
#   SBC_FRONT              the cluster's one SIP address, a stateless Kamailio dispatcher
#                          (deploy/front, Debian package 'kamailio'): on or off [on]
#   SBC_FRONT_PORT         its UDP port on 127.0.0.1 [5000]; the nodes hand it their requests
#                          to peers on SBC_FRONT_PORT+1 (README, "One address")
# The same SBC_CLUSTER_DIR must be given to deploy/stop-cluster.sh.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-3}
dir=${SBC_CLUSTER_DIR:-$root/data/cluster}
pg_port=${SBC_PG_PORT:-15432}
sip_base=${SBC_SIP_BASE_PORT:-5060}
sip_step=${SBC_SIP_PORT_STEP:-100}
http_base=${SBC_HTTP_BASE_PORT:-8558}
cluster_base=${SBC_CLUSTER_BASE_PORT:-7355}
config_opt=()
if [[ -n ${SBC_NODE_CONFIG:-} ]]; then
  [[ -f $SBC_NODE_CONFIG ]] || { echo "SBC_NODE_CONFIG=$SBC_NODE_CONFIG does not exist" >&2; exit 1; }
  config_opt=("-Dconfig.file=$SBC_NODE_CONFIG")
fi
mkdir -p "$dir"
if [[ -s "$dir/pids" ]]; then
  echo "a cluster seems to run already ($dir/pids); stop it with deploy/stop-cluster.sh" >&2
  exit 1
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bin" ]]; then
  echo "PostgreSQL server not installed: apt-get install -y postgresql" >&2
  exit 1
fi
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  as_pg=(runuser -u postgres --)
  chown -R postgres:postgres "$dir" 2>/dev/null || true
fi
if [[ ! -d "$dir/pg/data" ]]; then
  mkdir -p "$dir/pg"
  echo sbc > "$dir/pg/pw"
  [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$dir/pg"
  "${as_pg[@]}" "$bin/initdb" -D "$dir/pg/data" -U sbc --pwfile="$dir/pg/pw" -A scram-sha-256 -E UTF8 >"$dir/pg/initdb.log"
fi
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $dir/pg" start >/dev/null
echo "pg $(head -n 1 "$dir/pg/data/postmaster.pid")" >> "$dir/pids"
PGPASSWORD=sbc psql -h 127.0.0.1 -p "$pg_port" -U sbc -d postgres -tAc \
  "SELECT 1 FROM pg_database WHERE datname = 'sbc'" | grep -q 1 \
  || PGPASSWORD=sbc psql -h 127.0.0.1 -p "$pg_port" -U sbc -d postgres -qc "CREATE DATABASE sbc"

jar=${SBC_NODE_JAR:-$(ls "$root"/node/target/sbc-node-*-all.jar 2>/dev/null | head -n 1 || true)}
if [[ -n ${SBC_NODE_JAR:-} && ! -f $SBC_NODE_JAR ]]; then
  echo "SBC_NODE_JAR=$SBC_NODE_JAR does not exist" >&2
  exit 1
fi
if [[ -z "$jar" ]]; then
  echo "building the node jar (first start only)..." >&2
  (cd "$root" && mvn -B -q -DskipTests -pl node -am package)
  jar=$(ls "$root"/node/target/sbc-node-*-all.jar | head -n 1)
fi

front_env=()
if [[ ${SBC_FRONT:-on} == on ]]; then
  front_port=${SBC_FRONT_PORT:-5000}
  nodes=()
  for i in $(seq 1 "$n"); do nodes+=("127.0.0.1:$((sip_base + sip_step * (i - 1)))"); done
  front_pid=$("$root/deploy/front/start-front.sh" 127.0.0.1 "$front_port" $((front_port + 1)) "$dir/front" "${nodes[@]}")
  echo "front $front_pid" >> "$dir/pids"
  front_env=(SBC_SIP_FRONT=127.0.0.1:$front_port SBC_SIP_FRONT_EGRESS=127.0.0.1:$((front_port + 1)))
fi

for i in $(seq 1 "$n"); do
  sip=$((sip_base + sip_step * (i - 1))); http=$((http_base + i - 1)); cluster=$((cluster_base + i - 1))
  mkdir -p "$dir/node-$i"
  SBC_SIP_PORT=$sip SBC_SIP_TLS_PORT=$((sip + 1)) SBC_HTTP_PORT=$http SBC_CLUSTER_PORT=$cluster SBC_SEED_NODES=127.0.0.1:$cluster_base \
  SBC_JOURNAL=postgres SBC_JDBC_URL="jdbc:postgresql://127.0.0.1:$pg_port/sbc" SBC_JDBC_USER=sbc SBC_JDBC_PASSWORD=sbc \
  SBC_DATA_DIR="$dir/node-$i" env ${front_env[@]+"${front_env[@]}"} \
    nohup java ${SBC_JAVA_OPTS:--Xms256m -Xmx512m} \
      --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
      ${config_opt[@]+"${config_opt[@]}"} -jar "$jar" >"$dir/node-$i.log" 2>&1 &
  echo "node-$i $!" >> "$dir/pids"
done

for i in $(seq 1 "$n"); do
  http=$((http_base + i - 1))
  for _ in $(seq 1 240); do
    curl -fs "http://127.0.0.1:$http/ready" >/dev/null 2>&1 && break
    sleep 0.5
  done
  if ! curl -fs "http://127.0.0.1:$http/ready" >/dev/null 2>&1; then
    echo "node-$i not ready; see $dir/node-$i.log" >&2
    exit 1
  fi
  echo "node-$i ready: SIP 127.0.0.1:$((sip_base + sip_step * (i - 1))), HTTP 127.0.0.1:$http, cluster 127.0.0.1:$((cluster_base + i - 1))"
done
echo "journal: PostgreSQL on 127.0.0.1:$pg_port (database sbc, user sbc); PIDs in $dir/pids"
if [[ ${SBC_FRONT:-on} == on ]]; then
  echo "front: the cluster's one SIP address is 127.0.0.1:$front_port (UDP; log $dir/front/front.log)"
fi
