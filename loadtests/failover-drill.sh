#!/usr/bin/env bash
# Fail-over drill: a 3-node SBC cluster on a private PostgreSQL journal, established calls
# through all three gateways, one node killed with kill -9; writes a Markdown report.
#
# Usage:
#   loadtests/failover-drill.sh [--calls N] [--hold SECONDS] [--victim 1|2|3|busiest] [--direct [--no-move]]
#                               [--session-expires DURATION] [--goal-ms MS] [--report FILE] [--keep]
#
#   --calls N             fail-over calls, spread evenly over the gateways (default 300)
#   --hold SECONDS        ACK -> re-INVITE of each call, spent probing it with one in-dialog OPTIONS
#                         a second; the kill happens early in it (default 40: the probes must
#                         outlast the fail-over, about 20 s)
#   --victim 1|2|3        node killed with kill -9 (default 2; node 1 is the seed node);
#                         busiest: behind the front, the node whose gateway took the most of the
#                         drill's INVITEs, chosen at the kill (sbc_sip_messages of each node)
#   --direct              no front: each caller sends to one node's gateway and the victim's callers
#                         move to a survivor after their ACK (default: every caller knows only the
#                         cluster's one address, the Kamailio front of deploy/front on 127.0.0.1:6000,
#                         and nobody moves)
#   --no-move             with --direct: place no calls through the victim's gateway (calls spread over the two
#                         others); default: its callers send everything after their ACK to a
#                         surviving gateway (as behind a shared address in front of the cluster)
#   --session-expires D   SBC_SESSION_EXPIRES (default 30s: the SBC is the refresher of both legs
#                         of the fail-over calls and refreshes them with UPDATE at half of it,
#                         callers (SIPp -aa) and callee answer; 1800s: no refresh during the drill)
#   --goal-ms MS          PASS needs every call whose entity or gateway was on the victim to answer
#                         an in-dialog transaction within MS of the kill (default 5000)
#   --report FILE         Markdown report to append to (default loadtests/reports/failover-drill.md)
#   --keep                keep the work dir (node, PostgreSQL and SIPp logs); it is kept anyway
#                         when the drill fails
#
# Steps: PostgreSQL + 3 nodes via deploy/start-cluster.sh (own dir, ports, config file with
# sbc.call.linger = 2s and the routes "silent." and "warm."), SBC_MIN_SE=10s; wait for 3 members
# Up; warm-up: rounds of 20 short calls per gateway (own callee) until one round has no failure,
# at most 3; the drill: callee drill_uas_failover.xml, one caller drill_uac_failover.xml per
# gateway (-r 20, hold probed once a second, then re-INVITE + BYE), 30 "silent" calls (timer_uac_wait_bye.xml ->
# route "silent." -> timer_uas_short_silent.xml -set se 24: the callee never refreshes, the SBC
# must BYE both legs at the persisted deadline) through the first surviving gateway; once every
# call reached the callee (bounded: sending time + hold/3) and 1.5 s more, the call entities
# per node are read and the victim is killed with kill -9; then wait for every SIPp, collect
# (SIPp statistics and per-message counts, callee logs, survivors' logs and /metrics), report.
#
# PASS = no confirmed call lost: every caller call that got its 200 completed re-INVITE and
# BYE, and every silent call got a BYE on both legs. Measured from the probes (each a new
# OPTIONS transaction, not retransmitted, answered by the callee): for the calls whose entity
# was on the victim (their A Call-IDs from the survivors' "recovered" log lines) and for the
# others, the time from the kill to each call's first answered probe (its first successful
# in-dialog transaction after the kill), and PASS also needs the slowest of the dead node's calls
# (entity on the victim, or legs on its gateway: > 2.5 s without an answer) answered within
# --goal-ms of the kill. Exit status 0 PASS, 1 FAIL, 2 setup error.
#
# Fixed loopback ports (checked free first): SIP 6060/6160/6260, HTTP 8658-8660, cluster
# 7455-7457, PostgreSQL 25432, callees 6070 (drill), 6071 (silent), 6072 (warm-up), callers
# 6081-6087, SIPp media 6400-6499. Environment: SBC_NODE_JAR (jar to run; default: a copy of
# node/target/sbc-node-*-all.jar, built if missing), DRILL_JAVA_OPTS (default
# "-Xms256m -Xmx512m -XX:+UseSerialGC"). Every process started (PostgreSQL, nodes, SIPp) is
# stopped by PID in the EXIT trap; every wait is bounded.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
SCENARIOS="$SCRIPT_DIR/scenarios"
# shellcheck source=lib/bench_common.sh
source "$SCRIPT_DIR/lib/bench_common.sh"
log() { printf '[drill %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

CALLS=300
HOLD=40
VICTIM=2
NO_MOVE=0
FRONT=1
SESSION_EXPIRES=30s
REPORT="$SCRIPT_DIR/reports/failover-drill.md"
KEEP=0
GOAL_MS=5000

usage() { sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --calls) need_arg "$@"; CALLS=$2; shift 2 ;;
    --hold) need_arg "$@"; HOLD=$2; shift 2 ;;
    --victim) need_arg "$@"; VICTIM=$2; shift 2 ;;
    --no-move) NO_MOVE=1; shift ;;
    --direct) FRONT=0; shift ;;
    --session-expires) need_arg "$@"; SESSION_EXPIRES=$2; shift 2 ;;
    --report) need_arg "$@"; REPORT=$2; shift 2 ;;
    --goal-ms) need_arg "$@"; GOAL_MS=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done
[[ $CALLS =~ ^[0-9]+$ && $CALLS -ge 3 ]] || die "--calls must be an integer >= 3"
[[ $HOLD =~ ^[0-9]+$ && $HOLD -ge 1 ]] || die "--hold must be a positive integer (seconds)"
[[ $VICTIM =~ ^([123]|busiest)$ ]] || die "--victim must be 1, 2, 3 or busiest"
[[ $GOAL_MS =~ ^[0-9]+$ ]] || die "--goal-ms must be an integer (ms)"
BUSIEST=0
if [[ $VICTIM == busiest ]]; then
  ((FRONT)) || die "--victim busiest needs the front (with --direct every gateway takes the same share)"
  # placeholder until the kill; behind the front no caller depends on it (they all send to the front)
  BUSIEST=1; VICTIM=2
fi
[[ $SESSION_EXPIRES =~ ^[0-9]+(s|m|min)?$ ]] || die "--session-expires: e.g. 30s or 1800s"
((FRONT == 0 || NO_MOVE == 0)) || die "--no-move needs --direct"
((FRONT == 0)) || command -v kamailio >/dev/null || die "kamailio not found (apt-get install kamailio), or use --direct"
for tool in sipp curl java psql awk; do command -v "$tool" >/dev/null || die "$tool not found"; done
PG_BIN=$(pg_bin)
[[ -n $PG_BIN && -x $PG_BIN/initdb ]] || die "PostgreSQL server not installed (apt-get install postgresql)"

# ---------------------------------------------------------------- layout
NODES=3
SIP_BASE=6060; SIP_STEP=100; HTTP_BASE=8658; CLUSTER_BASE=7455; PG_PORT=25432
FRONT_PORT=6000           # the cluster's one address (UDP); its egress for the nodes is 6001
UAS_PORT=6070; SILENT_UAS_PORT=6071; WARM_UAS_PORT=6072
UAC_PORT_BASE=6080        # 6081..6083 drill callers, 6084 silent caller, 6085..6087 warm-up callers
MEDIA_BASE=6400           # SIPp instance k: -mp 6400+10k
RATE=20                   # calls/s per caller
SILENT_CALLS=30
SILENT_SE=24
sip_port() { echo $((SIP_BASE + SIP_STEP * ($1 - 1))); }
entry_txt() { # the first column of the callers' table
  if ((FRONT)); then echo "front ($FRONT_PORT)"; else echo "node $1 ($(sip_port "$1"))$([[ $1 == "$VICTIM" ]] && echo " **victim**")"; fi
}
entry_port() { if ((FRONT)); then echo "$FRONT_PORT"; else sip_port "$1"; fi; } # where caller i sends its INVITE
http_port() { echo $((HTTP_BASE + $1 - 1)); }

set_victim() { # NODE: the victim and what follows from it
  VICTIM=$1
  SURVIVORS=()
  for i in 1 2 3; do [[ $i == "$VICTIM" ]] || SURVIVORS+=("$i"); done
  SILENT_VIA=${SURVIVORS[0]}        # silent calls enter through the first survivor (without the front)
  MOVE_TO=${SURVIVORS[1]}           # callers of the victim's gateway move to the second one (idem)
}
set_victim "$VICTIM"

# calls per gateway (0 = no caller there)
declare -A PER_GW
if ((NO_MOVE)); then
  PER_GW[$VICTIM]=0
  PER_GW[${SURVIVORS[0]}]=$(((CALLS + 1) / 2))
  PER_GW[${SURVIVORS[1]}]=$((CALLS / 2))
else
  for i in 1 2 3; do PER_GW[$i]=$((CALLS / 3 + (i <= CALLS % 3 ? 1 : 0))); done
fi

# ---------------------------------------------------------------- state / cleanup
WORK=""
CLUSTER_DIR=""
VERDICT=""
declare -A SPID SDIR          # SIPp processes by name
NODE_PIDS_FILE=""

cleanup() {
  local rc=$? name pid
  set +e
  for name in "${!SPID[@]}"; do stop_pid "${SPID[$name]}" "SIPp $name"; done
  if [[ -n $CLUSTER_DIR && -f $CLUSTER_DIR/pids ]]; then
    cp "$CLUSTER_DIR/pids" "$WORK/pids.copy" 2>/dev/null
    SBC_CLUSTER_DIR=$CLUSTER_DIR timeout 150 "$REPO_ROOT/deploy/stop-cluster.sh" >>"$WORK/stop-cluster.log" 2>&1
    # whatever stop-cluster.sh could not stop (it was interrupted, or a PID got no answer)
    if [[ -f $WORK/pids.copy ]]; then
      while read -r name pid; do
        kill -0 "$pid" 2>/dev/null || continue
        log "still running: $name ($pid), killing it"
        if [[ $name == pg ]]; then kill -QUIT "$pid" 2>/dev/null; else kill -KILL "$pid" 2>/dev/null; fi
      done <"$WORK/pids.copy"
    fi
  fi
  # a postmaster that start-cluster.sh started but did not record (interrupted meanwhile)
  if [[ -n $CLUSTER_DIR && -f $CLUSTER_DIR/pg/data/postmaster.pid ]]; then
    pid=$(head -n 1 "$CLUSTER_DIR/pg/data/postmaster.pid" 2>/dev/null)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -qF "$CLUSTER_DIR" "/proc/$pid/cmdline" 2>/dev/null; then
      log "stopping PostgreSQL ($pid)"
      kill -QUIT "$pid" 2>/dev/null
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
  fi
  if [[ -n $WORK && -d $WORK ]]; then
    if ((KEEP)) || [[ $VERDICT != PASS ]]; then
      log "work dir kept: $WORK"
    else
      rm -rf -- "$WORK"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# ---------------------------------------------------------------- ports free?
# listening TCP sockets and bound UDP sockets (a TIME_WAIT left by an earlier run blocks nothing)
bound_ports() {
  local f
  for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
    [[ -r $f ]] || continue
    awk -v tcp="$([[ $f == *tcp* ]] && echo 1 || echo 0)" 'NR > 1 && (!tcp || $4 == "0A") {
        split($2, a, ":"); h = toupper(a[2]); v = 0
        for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1
        print v }' "$f"
  done | sort -un
}
used=" $(bound_ports | tr '\n' ' ') "
wanted=("$PG_PORT" "$UAS_PORT" "$SILENT_UAS_PORT" "$WARM_UAS_PORT")
((FRONT == 0)) || wanted+=("$FRONT_PORT" $((FRONT_PORT + 1)))
for i in 1 2 3; do wanted+=("$(sip_port "$i")" "$(http_port "$i")" $((CLUSTER_BASE + i - 1))); done
for ((p = UAC_PORT_BASE; p <= UAC_PORT_BASE + 7; p++)); do wanted+=("$p"); done
for p in "${wanted[@]}"; do
  [[ $used != *" $p "* ]] || die "port $p is in use (another drill or cluster running?)"
done

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
OTHER_JAVA=$(ps -e -o comm= | grep -c '^java$' || true)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbc-drill.XXXXXX")
chmod 755 "$WORK"     # PostgreSQL runs as user postgres and must reach its dir inside
CLUSTER_DIR="$WORK/cluster"
log "work dir $WORK"

# ---------------------------------------------------------------- node jar (own copy)
if [[ -n ${SBC_NODE_JAR:-} ]]; then
  [[ -f $SBC_NODE_JAR ]] || die "SBC_NODE_JAR=$SBC_NODE_JAR does not exist"
  src_jar=$SBC_NODE_JAR
else
  shopt -s nullglob; jars=("$REPO_ROOT"/node/target/sbc-node-*-all.jar); shopt -u nullglob
  if ((${#jars[@]} == 0)); then
    log "node jar missing, building it (mvn -pl node -am package)"
    (cd "$REPO_ROOT" && timeout 900 mvn -B -q -DskipTests -pl node -am package) >&2 || die "maven build failed"
    shopt -s nullglob; jars=("$REPO_ROOT"/node/target/sbc-node-*-all.jar); shopt -u nullglob
    ((${#jars[@]} > 0)) || die "no node/target/sbc-node-*-all.jar after the build"
  fi
  src_jar=${jars[-1]}
fi
# The jar may be rebuilt meanwhile by someone else: copy it once it is 5 s old, then check it.
for ((t = 0; t < 60; t++)); do
  (($(date +%s) - $(date -r "$src_jar" +%s) >= 5)) && break
  sleep 1
done
JAR="$WORK/sbc-node.jar"
cp "$src_jar" "$JAR"
if command -v unzip >/dev/null; then
  unzip -l "$JAR" io/sbc/node/Main.class >/dev/null 2>&1 || die "$src_jar is not a complete node jar (being rebuilt?)"
fi
JAR_DATE=$(date -r "$src_jar" '+%Y-%m-%d %H:%M')
COMMIT=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || COMMIT+="+"

# ---------------------------------------------------------------- cluster
CONF="$WORK/node.conf"
cat >"$CONF" <<EOF
include classpath("application.conf")
# finished warm-up calls must not linger into the count of calls on the victim
sbc.call.linger = 2s
# calls to "silent." go to a callee that takes the refresher role for ${SILENT_SE} s and goes quiet;
# warm-up calls ("warm.") to their own callee, so that their stragglers (retransmitted BYEs of
# calls a cold node answered late) never reach the drill's callee
sbc.routes = [
  { user-prefix = "silent.", next-hop = "sip:127.0.0.1:$SILENT_UAS_PORT" },
  { user-prefix = "warm.", next-hop = "sip:127.0.0.1:$WARM_UAS_PORT" }
]
EOF
JAVA_OPTS=${DRILL_JAVA_OPTS:--Xms256m -Xmx512m -XX:+UseSerialGC}
log "starting PostgreSQL (127.0.0.1:$PG_PORT) and $NODES nodes (SIP $(sip_port 1)/$(sip_port 2)/$(sip_port 3), HTTP $(http_port 1)-$(http_port 3))"
set +e
SBC_CLUSTER_DIR=$CLUSTER_DIR SBC_PG_PORT=$PG_PORT SBC_SIP_BASE_PORT=$SIP_BASE SBC_SIP_PORT_STEP=$SIP_STEP \
  SBC_HTTP_BASE_PORT=$HTTP_BASE SBC_CLUSTER_BASE_PORT=$CLUSTER_BASE SBC_NODE_JAR=$JAR SBC_NODE_CONFIG=$CONF \
  SBC_JAVA_OPTS=$JAVA_OPTS SBC_NEXT_HOP="sip:127.0.0.1:$UAS_PORT" \
  SBC_FRONT=$( ((FRONT)) && echo on || echo off) SBC_FRONT_PORT=$FRONT_PORT \
  SBC_SESSION_EXPIRES=$SESSION_EXPIRES SBC_MIN_SE=10s SBC_CLUSTER_SECRET=drill-secret \
  timeout 400 "$REPO_ROOT/deploy/start-cluster.sh" "$NODES" >"$WORK/start-cluster.log" 2>&1
rc=$?
set -e
if ((rc != 0)); then
  tail -n 20 "$WORK/start-cluster.log" >&2
  for i in 1 2 3; do [[ -f $CLUSTER_DIR/node-$i.log ]] && { echo "--- node-$i" >&2; tail -n 15 "$CLUSTER_DIR/node-$i.log" >&2; }; done
  die "deploy/start-cluster.sh failed ($rc)"
fi
declare -A NODE_PID
while read -r name pid; do [[ $name == node-* ]] && NODE_PID[${name#node-}]=$pid; done <"$CLUSTER_DIR/pids"
node_log() { echo "$CLUSTER_DIR/node-$1.log"; }

up_members() { # NODE: members with status Up as seen by that node (0 when it does not answer)
  local out
  out=$(curl -fs --max-time 3 "http://127.0.0.1:$(http_port "$1")/cluster/members" 2>/dev/null) || { echo 0; return 0; }
  awk '{ n += gsub(/"status":"Up"/, "") } END { print n + 0 }' <<<"$out"
}
unreachable_empty() { # NODE: that node answers and sees no unreachable member
  local out
  out=$(curl -fs --max-time 3 "http://127.0.0.1:$(http_port "$1")/cluster/members" 2>/dev/null) || return 1
  [[ $out == *'"unreachable":[]'* ]]
}
entities() { # NODE: call entities hosted (sum of numEntities)
  { curl -fs --max-time 5 "http://127.0.0.1:$(http_port "$1")/cluster/shards/Call" 2>/dev/null || true; } |
    awk '{ while (match($0, /"numEntities":[0-9]+/)) { v = substr($0, RSTART, RLENGTH); sub(/.*:/, "", v); s += v
                                                     $0 = substr($0, RSTART + RLENGTH) } }
         END { print s + 0 }'
}
metrics_page() { # NODE: that node's /metrics (empty when it does not answer)
  curl -fs --max-time 5 "http://127.0.0.1:$(http_port "$1")/metrics" 2>/dev/null || true
}
metric() { # NODE NAME: counter value (n/a when missing)
  metrics_page "$1" | awk -v n="$2" '$1 == n { printf "%d\n", $2; f = 1 } END { if (!f) print "n/a" }'
}
invites_in() { # NODE: INVITE requests that node's gateway read (every transport)
  metrics_page "$1" |
    awk '/^sbc_sip_messages(_total)?\{/ && /direction="in"/ && /kind="request"/ && /method="INVITE"/ { s += $NF }
         END { printf "%d\n", s }'
}
udp_drops() { # datagrams the kernel dropped for a full receive buffer, machine-wide (RcvbufErrors)
  awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else { print $c + 0; exit } }' /proc/net/snmp
}
now_ms() { date +%s%3N; }

for ((t = 0; t < 180; t++)); do
  (($(up_members 1) >= NODES)) && break
  sleep 0.5
done
(($(up_members 1) >= NODES)) || die "cluster did not form within 90 s: $(curl -s --max-time 3 "http://127.0.0.1:$(http_port 1)/cluster/members")"
log "cluster up: $NODES members Up"

# ---------------------------------------------------------------- SIPp helpers
SIPP_N=0
# sipp_start NAME SCENARIO PORT ARGS... : SIPp in its own dir, stats/counts/errors/logs there
sipp_start() {
  local name=$1 scenario=$2 port=$3; shift 3
  local dir="$WORK/sipp-$name"
  mkdir -p "$dir"
  (cd "$dir" && exec sipp -sf "$SCENARIOS/$scenario" -i 127.0.0.1 -p "$port" -t u1 \
    -mp $((MEDIA_BASE + 10 * SIPP_N)) -nostdin -max_socket 1024 \
    -trace_stat -stf "$dir/stat.csv" -fd 1 -trace_counts \
    -trace_err -error_file "$dir/errors.log" -trace_logs -log_file "$dir/calls.log" "$@") \
    >"$dir/screen.log" 2>&1 &
  SPID[$name]=$!
  SDIR[$name]=$dir
  SIPP_N=$((SIPP_N + 1))
}
# sipp_wait NAME SECONDS : bounded wait for exit (stopped after); exit code in SIPP_RC
SIPP_RC=""
sipp_wait() {
  local name=$1 limit=$2 pid=${SPID[$1]} t
  for ((t = 0; t < limit * 10; t++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "SIPp $name still running after $limit s, stopping it"
    stop_pid "$pid" "SIPp $name"
  fi
  set +e; wait "$pid" 2>/dev/null; SIPP_RC=$?; set -e
  unset "SPID[$name]"
}
log_lines() { # NAME REGEX : lines of that SIPp's -trace_logs file matching REGEX
  local n
  n=$(grep -c -- "$2" "${SDIR[$1]}/calls.log" 2>/dev/null || true)
  echo "${n:-0}"
}
sstat() { # NAME COLUMN : last value of a column of that SIPp's statistics file
  local v
  v=$(stat_field "${SDIR[$1]}/stat.csv" "$2" 2>/dev/null || true)
  echo "${v:-n/a}"
}
# count NAME WHICH : per-message counter of the SIPp -trace_counts file; WHICH = answer (first
# "<n>_200_Recv") or second200 (the next one: 200 to the re-INVITE) or a full column name
count() {
  local f
  f=$(ls "${SDIR[$1]}"/*_counts.csv 2>/dev/null | head -n 1 || true)
  [[ -n $f && -s $f ]] || { echo 0; return; }
  awk -F';' -v which="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) {
                if ($i == which) c = i
                if ($i ~ /^[0-9]+_200_Recv$/) { k++; if (k == 1 && which == "answer") c = i; if (k == 2 && which == "second200") c = i } }
              next }
    { last = $0 }
    END { if (!c || last == "") { print 0; exit } split(last, f, ";"); print f[c] + 0 }' "$f"
}

# ---------------------------------------------------------------- warm-up
log "warm-up: 20 short calls through each gateway"
# (the warm-up callee stays up until the end: it answers the stragglers)
# (-abortunexp: uas.xml does not expect the SBC's retransmitted INVITE, frequent on a cold cluster)
sipp_start warm-uas uas.xml "$WARM_UAS_PORT" -default_behaviors all,-abortunexp -timeout 900s
sleep 0.5
# A cold cluster answers slowly (JIT, shard allocation): rounds of 20 calls per gateway until
# one round passes without a failure, at most 3.
WARM=""
for round in 1 2 3; do
  for i in 1 2 3; do
    sipp_start "warm-uac-$i" uac.xml $((UAC_PORT_BASE + 4 + i)) -s warm.1 -m 20 -r 10 -set hold_ms 200 \
      -recv_timeout 40000 -timeout 90s "127.0.0.1:$(sip_port "$i")"
  done
  ok_round=0
  line="round $round:"
  for i in 1 2 3; do
    sipp_wait "warm-uac-$i" 100
    ok=$(sstat "warm-uac-$i" 'SuccessfulCall(C)')
    line+=" gw$i $ok/20"
    if [[ $ok == 20 ]]; then ok_round=$((ok_round + 1)); fi
    mv "${SDIR[warm-uac-$i]}" "${SDIR[warm-uac-$i]}-r$round"
  done
  WARM+="$line; "
  log "warm-up $line"
  if ((ok_round == 3)); then break; fi
  sleep 2
done
sleep 4   # the warm-up calls' entities stop after their linger time

# ---------------------------------------------------------------- the drill
HOLD_MS=$((HOLD * 1000))
TOTAL=0
for i in 1 2 3; do TOTAL=$((TOTAL + PER_GW[$i])); done
MAX_PER_GW=0
for i in 1 2 3; do if ((PER_GW[$i] > MAX_PER_GW)); then MAX_PER_GW=${PER_GW[$i]}; fi; done
UAC_TIMEOUT=$((MAX_PER_GW / RATE + HOLD + 100))
log "drill: $TOTAL calls (gw1 ${PER_GW[1]}, gw2 ${PER_GW[2]}, gw3 ${PER_GW[3]}) at $RATE cps per gateway, hold $HOLD s; victim node $( ((BUSIEST)) && echo "of the busiest gateway, chosen at the kill" || echo "$VICTIM"); $SILENT_CALLS silent calls$( ((FRONT)) && echo " through the front" || echo " via node $SILENT_VIA")"
UDP_DROPS0=$(udp_drops)
declare -A INVITES0
for i in 1 2 3; do INVITES0[$i]=$(invites_in "$i"); done
sipp_start silent-uas timer_uas_short_silent.xml "$SILENT_UAS_PORT" -m "$SILENT_CALLS" -set se "$SILENT_SE" \
  -l $((SILENT_CALLS + 10)) -timeout $((UAC_TIMEOUT + 30))s
# The callee ignores (instead of aborting on) a message that arrives while a call sits on a
# <send>/<nop>: e.g. the SBC's second ACK (it ACKs each retransmission of the callee's 2xx)
# right behind a BYE. Whether a call survived is judged at the callers.
sipp_start uas drill_uas_failover.xml "$UAS_PORT" -l $((TOTAL + 50)) -timeout $((UAC_TIMEOUT + 30))s \
  -default_behaviors all,-abortunexp -trace_msg -message_file "$WORK/sipp-uas/messages.log"
sleep 0.5
sipp_start silent-uac timer_uac_wait_bye.xml $((UAC_PORT_BASE + 4)) -s silent.1 -m "$SILENT_CALLS" -r "$SILENT_CALLS" \
  -l $((SILENT_CALLS + 10)) -timeout $((UAC_TIMEOUT))s "127.0.0.1:$(entry_port "$SILENT_VIA")"
SETUP_START=$(now_ms)
declare -A MOVE_PORT
for i in 1 2 3; do
  ((PER_GW[$i] > 0)) || continue
  MOVE_PORT[$i]=$(entry_port "$i")
  if ((FRONT == 0)) && [[ $i == "$VICTIM" ]]; then MOVE_PORT[$i]=$(sip_port "$MOVE_TO"); fi
  # -recv_timeout: a call waiting longer than that for its next message fails (SIPp's global
  # -timeout alone lets such calls wait forever)
  sipp_start "uac-$i" drill_uac_failover.xml $((UAC_PORT_BASE + i)) -aa -m "${PER_GW[$i]}" -r "$RATE" \
    -l $((PER_GW[$i] + 10)) -set probes "$HOLD" -set move_port "${MOVE_PORT[$i]}" \
    -default_behaviors all,-abortunexp \
    -recv_timeout 70000 -timeout "${UAC_TIMEOUT}s" "127.0.0.1:$(entry_port "$i")"
done

# Every call reached the callee (or failed at the caller already), and the silent ones are
# answered. Bounded: the kill must fall early in the hold, so at most the sending time plus a
# third of the hold.
limit=$((SETUP_START + (MAX_PER_GW * 1000 / RATE) + HOLD_MS / 3))
while :; do
  at_uas=$(log_lines uas '^call-id ')
  failed_early=0
  for i in 1 2 3; do
    if ((PER_GW[$i] > 0)); then
      f=$(sstat "uac-$i" 'FailedCall(C)')
      if [[ $f =~ ^[0-9]+$ ]]; then failed_early=$((failed_early + f)); fi
    fi
  done
  silent_up=$(count silent-uac answer)
  if ((at_uas + failed_early >= TOTAL && silent_up >= SILENT_CALLS)); then break; fi
  if (($(now_ms) > limit)); then
    log "WARNING: only $at_uas/$TOTAL calls reached the callee ($failed_early failed at the caller), $silent_up/$SILENT_CALLS silent calls answered; killing now (a third of the hold is over)"
    break
  fi
  sleep 0.2
done
sleep 1.5   # the last ACKs
AT_UAS_AT_KILL=$(log_lines uas '^call-id ')
ANSWERED_AT_KILL=0
for i in 1 2 3; do
  ((PER_GW[$i] > 0)) || continue
  ANSWERED_AT_KILL=$((ANSWERED_AT_KILL + $(count "uac-$i" answer)))
done
declare -A INVITES
BUSY_TXT=""
for i in 1 2 3; do INVITES[$i]=$(($(invites_in "$i") - INVITES0[$i])); BUSY_TXT+="${BUSY_TXT:+, }node$i ${INVITES[$i]}"; done
if ((BUSIEST)); then
  b=1
  for i in 2 3; do if ((INVITES[$i] > INVITES[$b])); then b=$i; fi; done
  set_victim "$b"
  log "INVITEs read by each gateway during the drill: $BUSY_TXT; the busiest is node $VICTIM"
fi
declare -A ENT
ENT_TOTAL=0
for i in 1 2 3; do ENT[$i]=$(entities "$i"); ENT_TOTAL=$((ENT_TOTAL + ENT[$i])); done
declare -A WOKEN0 EXPIRED0
for i in "${SURVIVORS[@]}"; do WOKEN0[$i]=$(metric "$i" sbc_calls_woken_total); EXPIRED0[$i]=$(metric "$i" sbc_sessions_expired_total); done
log "entities: node1 ${ENT[1]}, node2 ${ENT[2]}, node3 ${ENT[3]}; killing node $VICTIM (pid ${NODE_PID[$VICTIM]})"
LOAD_AT_KILL=$(cut -d' ' -f1-3 /proc/loadavg)
KILL_MS=$(now_ms)
kill -9 "${NODE_PID[$VICTIM]}"
KILL_CLOCK=$(date -d "@$((KILL_MS / 1000))" +%H:%M:%S).$(printf '%03d' $((KILL_MS % 1000)))
for ((t = 0; t < 100; t++)); do kill -0 "${NODE_PID[$VICTIM]}" 2>/dev/null || break; sleep 0.1; done

# wait for every SIPp (bounded), noting when each finished and when the victim left the cluster
declare -A DONE_MS
REMOVED_MS=""
limit=$(($(now_ms) + (UAC_TIMEOUT + 40) * 1000))
CALLERS=(silent-uac)
for i in 1 2 3; do if ((PER_GW[$i] > 0)); then CALLERS+=("uac-$i"); fi; done
callers_done_ms=""
while :; do
  # the callees without -m (drill and warm-up) are stopped 2 s after the last caller finished
  if [[ -z $callers_done_ms ]]; then
    busy=0
    for name in "${CALLERS[@]}"; do if kill -0 "${SPID[$name]}" 2>/dev/null; then busy=1; fi; done
    if ((busy == 0)); then callers_done_ms=$(now_ms); fi
  elif (($(now_ms) - callers_done_ms > 2000)); then
    for name in uas warm-uas; do
      if [[ -n ${SPID[$name]:-} ]] && kill -0 "${SPID[$name]}" 2>/dev/null; then stop_pid "${SPID[$name]}" "SIPp $name"; fi
    done
  fi
  running=0
  for name in "${!SPID[@]}"; do
    if [[ -z ${DONE_MS[$name]:-} ]]; then
      if kill -0 "${SPID[$name]}" 2>/dev/null; then running=$((running + 1)); else DONE_MS[$name]=$(now_ms); fi
    fi
  done
  if [[ -z $REMOVED_MS ]] && (($(up_members "$SILENT_VIA") == NODES - 1)) && unreachable_empty "$SILENT_VIA"; then
    REMOVED_MS=$(($(now_ms) - KILL_MS))
    log "victim removed from the cluster ${REMOVED_MS} ms after the kill"
  fi
  # done when every SIPp exited and the victim's removal was seen (or 60 s passed since the kill)
  if ((running == 0)) && [[ -n $REMOVED_MS || $(($(now_ms) - KILL_MS)) -gt 60000 ]]; then break; fi
  if (($(now_ms) > limit)); then log "WARNING: SIPp still running at the time limit"; break; fi
  sleep 0.2
done
declare -A RC
for name in "${!SPID[@]}"; do sipp_wait "$name" 10; RC[$name]=$SIPP_RC; done
UDP_DROPS=$(($(udp_drops) - UDP_DROPS0))
[[ -n $REMOVED_MS ]] || REMOVED_MS="not seen"
sleep 1   # the survivors' async log appender

# ---------------------------------------------------------------- results
set +o pipefail   # from here on: summaries (head/sort pipelines), no step is fatal
declare -A ANSWERED COMPLETED FAILED LOST REFRESHES
LAST_DONE=0
SUM_ANSWERED=0; SUM_COMPLETED=0; SUM_FAILED=0; SUM_LOST=0; SUM_REFRESH=0
for i in 1 2 3; do
  ((PER_GW[$i] > 0)) || continue
  n="uac-$i"
  ANSWERED[$i]=$(count "$n" answer)
  COMPLETED[$i]=$(sstat "$n" 'SuccessfulCall(C)'); [[ ${COMPLETED[$i]} =~ ^[0-9]+$ ]] || COMPLETED[$i]=0
  FAILED[$i]=$(sstat "$n" 'FailedCall(C)')
  LOST[$i]=$((ANSWERED[$i] > COMPLETED[$i] ? ANSWERED[$i] - COMPLETED[$i] : 0))
  REFRESHES[$i]=$(sstat "$n" 'AutoAnswered(C)')
  SUM_ANSWERED=$((SUM_ANSWERED + ANSWERED[$i])); SUM_COMPLETED=$((SUM_COMPLETED + COMPLETED[$i]))
  SUM_LOST=$((SUM_LOST + LOST[$i]))
  if [[ ${FAILED[$i]} =~ ^[0-9]+$ ]]; then SUM_FAILED=$((SUM_FAILED + FAILED[$i])); fi
  if [[ ${REFRESHES[$i]} =~ ^[0-9]+$ ]]; then SUM_REFRESH=$((SUM_REFRESH + REFRESHES[$i])); fi
  d=$((${DONE_MS[$n]:-$(now_ms)} - KILL_MS))
  if ((d > LAST_DONE)); then LAST_DONE=$d; fi
done
FAILED_SETUPS=$((TOTAL - SUM_ANSWERED))
NOT_ANSWERED_AT_KILL=$((TOTAL - ANSWERED_AT_KILL))
REINVITES=$(log_lines uas '^got INVITE failover-refresh sdp=yes$')
UAS_UPDATES=$(log_lines uas '^got UPDATE ')
UAS_FAILED=$(sstat uas 'FailedCall(C)')
UAS_IGNORED=$(grep -a -c 'Continuing call on unexpected' "${SDIR[uas]}/errors.log" 2>/dev/null || true)
UAS_IGNORED=${UAS_IGNORED:-0}
SILENT_ANSWERED=$(count silent-uac answer)
SILENT_BYE_A=$(log_lines silent-uac '^got BYE$')
SILENT_BYE_B=$(log_lines silent-uas '^got BYE$')
SILENT_DONE=$((${DONE_MS[silent-uac]:-$(now_ms)} - SETUP_START))
SILENT_LOST=$((SILENT_ANSWERED - (SILENT_BYE_A < SILENT_BYE_B ? SILENT_BYE_A : SILENT_BYE_B)))
if ((SILENT_LOST < 0)); then SILENT_LOST=0; fi
# calls (answered silent calls included) that did not get BYE on both legs count as lost
LOST_ALL=$((SUM_LOST + SILENT_LOST))

# recoveries logged by the survivors after the kill (time stamps: first 12 chars HH:mm:ss.SSS)
KILL_DAY_MS=$(awk -v c="$KILL_CLOCK" 'BEGIN { split(c, t, /[:.]/); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }')
REC=$(for i in "${SURVIVORS[@]}"; do grep -a ' recovered: A ' "$(node_log "$i")" 2>/dev/null || true; done |
  awk -v k="$KILL_DAY_MS" '
    { split(substr($0, 1, 12), t, /[:.]/); ms = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] - k
      if (ms < -43200000) ms += 86400000
      if (ms >= 0) { n++; if (first == "" || ms < first) first = ms; if (ms > last) last = ms } }
    END { if (n) print n, first, last; else print 0, "n/a", "n/a" }')
read -r REC_N REC_FIRST REC_LAST <<<"$REC"

# survivors' log lines after the kill (time stamp >= kill), for the breakdowns below
after_kill() { # PATTERN : matching lines of the survivors' logs logged after the kill
  local i
  for i in "${SURVIVORS[@]}"; do
    awk -v k="$KILL_DAY_MS" -v pat="$1" 'index($0, pat) {
        split(substr($0, 1, 12), t, /[:.]/); ms = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] - k
        if (ms < -43200000) ms += 86400000
        if (ms >= 0) print }' "$(node_log "$i")"
  done
}
# calls the SBC ended for lack of a session refresh, by leg and refresher ("A/SBC 12, B/peer 30")
EXPIRY_BREAKDOWN=$(after_kill 'no session refresh on leg' |
  sed -nE 's/.*no session refresh on leg ([AB]) .*refresher: ([A-Za-z]+)\).*/\1\/\2/p' | sort | uniq -c |
  awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 } END { if (!NR) printf "none" }')
REHOMED=$(after_kill 're-homed' | wc -l)

# First successful in-dialog transaction after the kill, per call: the first probe answered
# at or after the kill (ms after it). "moved" = calls whose entity was on the victim (their A
# Call-ID in a survivor's "recovered" line), the others are split by whether they went more than
# 2.5 s without an answer (a probe is due every second). Prints one line per group:
# group calls answered-after-kill min p50 p90 p99 max (ms)
after_kill ' recovered: A ' | sed -nE 's/.* recovered: A ([^ ]+) \/ B .*/\1/p' | sort -u >"$WORK/moved-calls.txt"
for i in 1 2 3; do
  if ((PER_GW[$i] > 0)); then grep -a -h '^probe-ok ' "${SDIR[uac-$i]}/calls.log" 2>/dev/null || true; fi
done >"$WORK/probes-ok.txt"
PROBE_LOST=0
for i in 1 2 3; do
  if ((PER_GW[$i] > 0)); then PROBE_LOST=$((PROBE_LOST + $(log_lines "uac-$i" '^probe-lost '))); fi
done
PROBE_OK=$(wc -l <"$WORK/probes-ok.txt")
PROBE_STATS=$(awk -v k="$KILL_MS" '
    FNR == NR { moved[$1] = 1; next }
    { t = $3 * 1000 + $4 / 1000; id = $2; seen[id] = 1
      if (t >= k && (!(id in first) || t - k < first[id])) first[id] = t - k }
    function pct(a, n, p,   i) { i = int((n - 1) * p + 0.5) + 1; return a[i] }
    function show(name, arr, n, total,   i, j, v) {
      for (i = 2; i <= n; i++) { v = arr[i]; for (j = i - 1; j >= 1 && arr[j] > v; j--) arr[j + 1] = arr[j]; arr[j + 1] = v }
      if (n) printf "%s %d %d %d %d %d %d %d\n", name, total, n, arr[1], pct(arr, n, 0.5), pct(arr, n, 0.9), pct(arr, n, 0.99), arr[n]
      else printf "%s %d 0 n/a n/a n/a n/a n/a\n", name, total }
    END {
      for (id in seen) {
        if (id in moved) { mt++; if (id in first) m[++mn] = int(first[id]) }
        else if (id in first && first[id] > 2500) { it++; x[++xn] = int(first[id]) }
        else { ot++; if (id in first) o[++on] = int(first[id]) }
      }
      show("moved", m, mn, mt); show("interrupted", x, xn, it); show("other", o, on, ot) }' \
  "$WORK/moved-calls.txt" "$WORK/probes-ok.txt")
probe_row() { # GROUP LABEL : a report row from PROBE_STATS
  awk -v g="$1" -v label="$2" '$1 == g {
      if ($3 > 0) printf "| %s | %d calls, %d answered after the kill: first %s ms, p50 %s ms, p90 %s ms, p99 %s ms, last %s ms |\n", label, $2, $3, $4, $5, $6, $7, $8
      else printf "| %s | %d calls, none answered after the kill |\n", label, $2 }' <<<"$PROBE_STATS"
}

declare -A WOKEN EXPIRED REFRESH_SENT TIMEOUTS
for i in "${SURVIVORS[@]}"; do
  WOKEN[$i]=$(metric "$i" sbc_calls_woken_total)
  EXPIRED[$i]=$(metric "$i" sbc_sessions_expired_total)
  REFRESH_SENT[$i]=$(metric "$i" sbc_session_refreshes_sent_total)
  TIMEOUTS[$i]=$(metric "$i" sbc_transaction_timeouts_total)
done
delta() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && echo "$(($1 - $2))" || echo n/a; }

# the goal: every call of the dead node (its entity, or its gateway's legs) answered within GOAL_MS
SLOWEST=$(awk '($1 == "moved" || $1 == "interrupted") && $3 > 0 && $8 > m { m = $8 } END { print m + 0 }' <<<"$PROBE_STATS")
MOVED_ANSWERED=$(awk '$1 == "moved" { print $3 }' <<<"$PROBE_STATS")
GOAL_TXT="slowest call of the dead node answered ${SLOWEST} ms after the kill (goal ${GOAL_MS} ms)"
if ((LOST_ALL == 0 && SUM_ANSWERED > 0 && SILENT_ANSWERED > 0 && ${MOVED_ANSWERED:-0} > 0 && SLOWEST <= GOAL_MS)); then
  VERDICT=PASS
else
  VERDICT=FAIL
fi

# ---------------------------------------------------------------- report
MEM_GB=$(awk '/^MemTotal:/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
TS=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
if ((FRONT)); then
  MOVE_TXT="every caller sends everything to the cluster's one address, the front on 127.0.0.1:$FRONT_PORT (Kamailio dispatcher); no caller moved"
elif ((NO_MOVE)); then
  MOVE_TXT="no callers on node $VICTIM's gateway (--no-move)"
else
  MOVE_TXT="callers of node $VICTIM's gateway send everything after their ACK (answers to SBC refreshes, re-INVITE, ACK, BYE) to node $MOVE_TO ($(sip_port "$MOVE_TO"))"
fi
SECTION="$WORK/section.md"
{
  echo
  echo "## $TS: $VERDICT (victim node $VICTIM$( ((VICTIM == 1)) && echo ", the seed node")$( ((BUSIEST)) && echo ", the busiest gateway")$( ((NO_MOVE)) && echo ", --no-move"))"
  echo
  echo "- build: commit $COMMIT, node jar of $JAR_DATE; machine: $(nproc) cores ($CPU_MODEL), $MEM_GB GiB RAM, load average at the start $LOAD_AT_START, at the kill $LOAD_AT_KILL (other processes: $OTHER_JAVA other JVMs running at the start)"
  echo "- parameters: $TOTAL calls (gw1 ${PER_GW[1]}, gw2 ${PER_GW[2]}, gw3 ${PER_GW[3]}) at $RATE cps per gateway, hold $HOLD s; $MOVE_TXT;" \
    "$SILENT_CALLS silent calls via node $SILENT_VIA (callee Session-Expires ${SILENT_SE};refresher=uas, never refreshes);" \
    "SBC_SESSION_EXPIRES=$SESSION_EXPIRES, SBC_MIN_SE=10s, sbc.call.linger=2s; JVM $JAVA_OPTS"
  echo "- warm-up: $WARM"
  echo
  echo "| caller | INVITE to | re-INVITE/BYE to | calls | answered (200) | completed | failed | confirmed lost | SBC refreshes answered | done after kill |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for i in 1 2 3; do
    ((PER_GW[$i] > 0)) || continue
    echo "| uac-$i | $(entry_txt "$i") | ${MOVE_PORT[$i]} | ${PER_GW[$i]} | ${ANSWERED[$i]} | ${COMPLETED[$i]} | ${FAILED[$i]} | ${LOST[$i]} | ${REFRESHES[$i]} | $((${DONE_MS[uac-$i]:-$(now_ms)} - KILL_MS)) ms |"
  done
  echo "| silent | $(entry_txt "$SILENT_VIA") | - | $SILENT_CALLS | $SILENT_ANSWERED | BYE at caller $SILENT_BYE_A, at callee $SILENT_BYE_B | $(sstat silent-uac 'FailedCall(C)') | $SILENT_LOST | - | $((${DONE_MS[silent-uac]:-$(now_ms)} - KILL_MS)) ms |"
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| call entities per node at the kill | node1 ${ENT[1]}, node2 ${ENT[2]}, node3 ${ENT[3]} (total $ENT_TOTAL, $TOTAL + $SILENT_CALLS calls) |"
  echo "| entities on the victim | ${ENT[$VICTIM]} |"
  echo "| INVITEs each gateway read during the drill | $BUSY_TXT |"
  echo "| **goal** | $GOAL_TXT |"
  echo "| calls at the callee / answered at the caller at the kill | $AT_UAS_AT_KILL / $ANSWERED_AT_KILL of $TOTAL (not yet answered: $NOT_ANSWERED_AT_KILL) |"
  echo "| failed setups (no 200 at the caller) | $FAILED_SETUPS |"
  echo "| UDP datagrams the kernel dropped (full receive buffers, whole machine, from the drill's calls on) | $UDP_DROPS |"
  echo "| **confirmed calls lost** | **$LOST_ALL** (fail-over calls $SUM_LOST, silent calls $SILENT_LOST) |"
  echo "| re-INVITEs reaching the callee | $REINVITES of $SUM_ANSWERED answered calls |"
  echo "| SBC refresh UPDATEs at the callee / answered by callers | $UAS_UPDATES / $SUM_REFRESH |"
  echo "| callee failed calls (SIPp) / unexpected messages it ignored | $UAS_FAILED / $UAS_IGNORED |"
  echo "| silent calls with BYE on both legs | $((SILENT_BYE_A < SILENT_BYE_B ? SILENT_BYE_A : SILENT_BYE_B)) of $SILENT_ANSWERED (last silent call done $SILENT_DONE ms after setup began) |"
  echo "| victim removed from the cluster | $REMOVED_MS$([[ $REMOVED_MS =~ ^[0-9]+$ ]] && echo " ms") after the kill |"
  echo "| calls the SBC ended for lack of a session refresh after the kill (leg/refresher) | $EXPIRY_BREAKDOWN |"
  echo "| legs re-homed to a survivor's gateway (log lines) | $REHOMED |"
  echo "| calls recovered on the survivors (log) | $REC_N; first $REC_FIRST ms, last $REC_LAST ms after the kill |"
  echo "| probes (in-dialog OPTIONS, 1/s per call) answered / unanswered within 1 s | $PROBE_OK / $PROBE_LOST |"
  probe_row moved "**kill → first successful in-dialog transaction**, calls whose entity was on the victim"
  probe_row interrupted "the same, other calls that went > 2.5 s without an answer (legs anchored on the victim's gateway)"
  probe_row other "the same, the remaining calls"
  echo "| kill → last fail-over caller done | $LAST_DONE ms |"
  for i in "${SURVIVORS[@]}"; do
    echo "| node $i metrics (delta since the kill) | calls_woken ${WOKEN[$i]} (+$(delta "${WOKEN[$i]}" "${WOKEN0[$i]}")), sessions_expired ${EXPIRED[$i]} (+$(delta "${EXPIRED[$i]}" "${EXPIRED0[$i]}")), session_refreshes_sent ${REFRESH_SENT[$i]}, transaction_timeouts ${TIMEOUTS[$i]} |"
  done
  if [[ $VERDICT != PASS ]]; then
    echo
    echo "Failures (SIPp error causes, count × first line; node warnings/errors after the kill):"
    echo
    echo '```'
    for n in uac-1 uac-2 uac-3 uas silent-uac silent-uas; do
      [[ -n ${SDIR[$n]:-} && -s ${SDIR[$n]}/errors.log ]] || continue
      { grep -a -E $'\t[0-9]{10}\\.[0-9]{6}: ' "${SDIR[$n]}/errors.log" || true; } |
        sed -E $'s/^.*\t[0-9]{10}\\.[0-9]{6}: //' | { grep -v '^Automatic response mode' || true; } |
        sed -E "s/Call-Id '[^']*'/Call-Id '…'/; s/call: [^ ]+/call: …/" | cut -c1-170 | sort | uniq -c | sort -rn | head -n 5 |
        sed "s/^/$n: /"
    done
    for i in "${SURVIVORS[@]}"; do
      awk -v k="$KILL_DAY_MS" 'substr($0, 13, 6) ~ /WARN|ERROR/ {
          split(substr($0, 1, 12), t, /[:.]/); ms = ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] - k
          if (ms >= 0) print }' "$(node_log "$i")" | cut -c1-200 | sed -E 's/[0-9a-f]{16,}/…/g' |
        cut -c14- | sort | uniq -c | sort -rn | head -n 6 | sed "s/^/node $i: /"
    done
    echo '```'
    echo
    echo "Logs: $WORK"
  fi
} >"$SECTION"

mkdir -p "$(dirname "$REPORT")"
if [[ ! -s $REPORT ]]; then
  cat >"$REPORT" <<'EOF'
# SBC fail-over drill reports

Appended by `loadtests/failover-drill.sh`: three node JVMs on a private PostgreSQL journal, established
calls through all three gateways, one node killed with `kill -9` while the calls are held; then each
call's re-INVITE and BYE, and silent calls whose callee stops refreshing (the SBC must BYE both legs at
the persisted session-timer deadline). PASS = no confirmed (answered) call lost and (since
2026-12-05) the dead node's calls answered within the goal (5 s) of the kill.
EOF
fi
cat "$SECTION" >>"$REPORT"
cat "$SECTION"
log "report appended to $REPORT"
[[ $VERDICT == PASS ]] && exit 0 || exit 1
