#!/usr/bin/env bash
# Builds the node jar if it is missing, then starts one SBC node in the foreground.
# Every setting comes from SBC_* environment variables (see README.md); defaults:
# SIP on 127.0.0.1:5060 (UDP+TCP), next hop sip:127.0.0.1:5070, HTTP on 127.0.0.1:8558.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jar=$(ls "$root"/node/target/sbc-node-*-all.jar 2>/dev/null | head -n 1 || true)
if [[ -z "$jar" ]]; then
  echo "building the node jar (first start only)..." >&2
  (cd "$root" && mvn -B -q -DskipTests -pl node -am package)
  jar=$(ls "$root"/node/target/sbc-node-*-all.jar | head -n 1)
fi
export SBC_DATA_DIR=${SBC_DATA_DIR:-$root/data}
exec java ${SBC_JAVA_OPTS:--Xms256m -Xmx1g} \
  --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
  -jar "$jar" "$@"
