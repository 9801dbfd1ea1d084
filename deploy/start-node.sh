#!/usr/bin/env bash
# Builds the node jar if it is missing, then starts one SBC node in the foreground.
# Every setting comes from SBC_* environment variables (see README.md); defaults:
# SIP on 127.0.0.1:5060 (UDP+TCP), next hop sip:127.0.0.1:5070, HTTP on 127.0.0.1:8558.
# The container image (deploy/Dockerfile) starts the node through this script too:
#   SBC_NODE_JAR   the node jar to run [node/target/sbc-node-*-all.jar, built if missing]
#   SBC_JAVA_OPTS  JVM options [-Xms256m -Xmx1g]
#   SBC_<NAME>_FILE  SBC_<NAME> is read from that file (Docker/compose/Kubernetes secrets), e.g.
#                  SBC_ADMIN_TOKEN_FILE=/run/secrets/admin_token; giving both is an error (exit 2)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for file_var in $(compgen -e); do
  [[ $file_var =~ ^SBC_[A-Z0-9_]+_FILE$ ]] || continue
  var=${file_var%_FILE}
  if [[ -n ${!var:-} ]]; then
    echo "both $var and $file_var are set: give one of them" >&2
    exit 2
  fi
  if [[ ! -r ${!file_var} ]]; then
    echo "$file_var: cannot read '${!file_var}'" >&2
    exit 2
  fi
  value=$(<"${!file_var}") # without the trailing newline an editor leaves
  export "$var=$value"
  unset "$file_var"
done
if [[ -n ${SBC_NODE_JAR:-} ]]; then
  [[ -f $SBC_NODE_JAR ]] || { echo "SBC_NODE_JAR=$SBC_NODE_JAR does not exist" >&2; exit 2; }
  jar=$SBC_NODE_JAR
else
  jar=$(ls "$root"/node/target/sbc-node-*-all.jar 2>/dev/null | head -n 1 || true)
  if [[ -z "$jar" ]]; then
    echo "building the node jar (first start only)..." >&2
    (cd "$root" && mvn -B -q -DskipTests -pl node -am package)
    jar=$(ls "$root"/node/target/sbc-node-*-all.jar | head -n 1)
  fi
fi
export SBC_DATA_DIR=${SBC_DATA_DIR:-$root/data}
exec java ${SBC_JAVA_OPTS:--Xms256m -Xmx1g} \
  --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -jar "$jar" "$@"
