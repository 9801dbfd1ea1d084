#!/usr/bin/env bash
# Starts the cluster's front (Kamailio, deploy/front/kamailio-front.cfg) in the foreground of a
# background process and prints its PID. Usage:
#   deploy/front/start-front.sh FRONT_IP FRONT_PORT EGRESS_PORT WORK_DIR NODE_SIP_ADDRESS...
# e.g. deploy/front/start-front.sh 127.0.0.1 5000 5001 data/cluster/front 127.0.0.1:5060 127.0.0.1:5160
# Writes WORK_DIR/dispatcher.list (set 1: the nodes) and WORK_DIR/front.log; needs the Debian
# package "kamailio" (no root: it runs as the calling user on unprivileged ports).
# SBC_FRONT_FOREGROUND=on: Kamailio replaces this script instead (logs on stderr, no PID printed),
# as the front's container (deploy/front/Dockerfile) runs it.
set -euo pipefail
if (( $# < 5 )); then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
front_ip=$1 front_port=$2 egress_port=$3 work=$4
shift 4
command -v kamailio >/dev/null 2>&1 || { echo "kamailio not installed (apt-get install kamailio)" >&2; exit 2; }
cfg="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/kamailio-front.cfg"
mkdir -p "$work"
work=$(cd "$work" && pwd)
: > "$work/dispatcher.list"
for node in "$@"; do
  echo "1 sip:$node" >> "$work/dispatcher.list"
done
# -DD: stay in the foreground (no daemon) so that the PID printed is Kamailio's main process; -E: log to stderr
args=(-DD -E -f "$cfg" -Y "$work" -P "$work/kamailio.pid" -m 64 -M 8
  -A "FRONT_IP=$front_ip" -A "FRONT_PORT=$front_port" -A "EGRESS_PORT=$egress_port"
  -A "FRONT_SOCKET=\"udp:$front_ip:$front_port\""
  -A "DISPATCHER_LIST=\"$work/dispatcher.list\"" -A "PING_FROM=\"sip:front@$front_ip:$front_port\"")
if [[ ${SBC_FRONT_FOREGROUND:-off} == on ]]; then
  exec kamailio "${args[@]}"
fi
kamailio "${args[@]}" > "$work/front.log" 2>&1 &
echo $!
