#!/usr/bin/env bash
# No-false-downing drill: a 3-node cluster behind its front under steady call load for a while,
# with one node made to stand still now and then (SIGSTOP, as long as a stop-the-world pause of
# a large heap: 2.5 s by default, below the 3 s acceptable heartbeat pause); nobody may be downed
# or fenced, and no call may fail. Writes a Markdown report.
#
# Usage:
#   loadtests/stability-drill.sh [--minutes M] [--rate CPS] [--pause SECONDS] [--every SECONDS]
#                                [--report FILE] [--keep]
#
#   --minutes M      length of the load (default 10)
#   --rate CPS       calls per second through the front, 1 s calls (default 60)
#   --pause S        how long node 2 stands still each time (default 2.5; 0 = never)
#   --every S        seconds between two pauses (default 60)
#   --report FILE    Markdown report to append to (default loadtests/reports/stability-drill.md)
#   --keep           keep the work dir (it is kept anyway when the drill fails)
#
# After a warm-up (30 s at half the rate, not counted): PASS = no member downed or removed, no node
# halted or exited, 0 failed calls; quorum fences (a node that finds itself without a majority for a
# moment, e.g. right after it stood still) are counted and reported. The report gives
# per node the longest stall its pause watch saw (sbc_longest_stall_ms) against the 3 s acceptable
# heartbeat pause: the margin before a stall would make a node unreachable, and the pause fence
# (6 s) after which it would stop itself.
#
# Ports: front 6500/6501, SIP 6560/6660/6760, HTTP 8758-8760, cluster 7555-7557, PostgreSQL
# 26432, callee 6570, caller 6580, warm-up caller 6581 (checked free first). Every process is stopped by PID in the
# EXIT trap; every wait is bounded. Needs sipp, kamailio, postgresql, java, curl.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
# shellcheck source=lib/bench_common.sh
source "$SCRIPT_DIR/lib/bench_common.sh"
log() { printf '[stability %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

MINUTES=10
RATE=60
PAUSE=2.5
EVERY=60
REPORT="$SCRIPT_DIR/reports/stability-drill.md"
KEEP=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) MINUTES=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --pause) PAUSE=$2; shift 2 ;;
    --every) EVERY=$2; shift 2 ;;
    --report) REPORT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done
[[ $MINUTES =~ ^[0-9]+$ && $MINUTES -ge 1 && $MINUTES -le 120 ]] || die "--minutes: 1 to 120"
[[ $RATE =~ ^[0-9]+$ && $RATE -ge 1 ]] || die "--rate: a positive integer"
[[ $PAUSE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "--pause: seconds"
[[ $EVERY =~ ^[0-9]+$ && $EVERY -ge 10 ]] || die "--every: at least 10 seconds"
for tool in sipp kamailio curl java psql; do command -v "$tool" >/dev/null || die "$tool not found"; done

FRONT_PORT=6500; SIP_BASE=6560; HTTP_BASE=8758; CLUSTER_BASE=7555; PG_PORT=26432; UAS_PORT=6570; UAC_PORT=6580
used=" $(used_local_ports | tr '\n' ' ') "
for p in $FRONT_PORT $((FRONT_PORT + 1)) $SIP_BASE $((SIP_BASE + 100)) $((SIP_BASE + 200)) $HTTP_BASE \
  $((HTTP_BASE + 1)) $((HTTP_BASE + 2)) $CLUSTER_BASE $((CLUSTER_BASE + 1)) $((CLUSTER_BASE + 2)) $PG_PORT $UAS_PORT $UAC_PORT $((UAC_PORT + 1)); do
  [[ $used != *" $p "* ]] || die "port $p is in use"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbc-stability.XXXXXX")
chmod 755 "$WORK"
CLUSTER_DIR=$WORK/cluster
VERDICT=""
declare -A SPID
cleanup() {
  local rc=$?
  set +e
  for name in "${!SPID[@]}"; do stop_pid "${SPID[$name]}" "SIPp $name"; done
  if [[ -f $CLUSTER_DIR/pids ]]; then
    while read -r name pid; do [[ $name == node-* ]] && kill -CONT "$pid" 2>/dev/null; done <"$CLUSTER_DIR/pids"
    SBC_CLUSTER_DIR=$CLUSTER_DIR timeout 150 "$REPO_ROOT/deploy/stop-cluster.sh" >>"$WORK/stop-cluster.log" 2>&1
  fi
  if ((KEEP)) || [[ $VERDICT != PASS ]]; then log "work dir kept: $WORK"; else rm -rf -- "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

JAR=$(ls "$REPO_ROOT"/node/target/sbc-node-*-all.jar 2>/dev/null | head -n 1 || true)
[[ -n $JAR ]] || (cd "$REPO_ROOT" && mvn -B -q -DskipTests -pl node -am package)
JAR=$(ls "$REPO_ROOT"/node/target/sbc-node-*-all.jar | head -n 1)
log "starting PostgreSQL, 3 nodes and the front (127.0.0.1:$FRONT_PORT)"
SBC_CLUSTER_DIR=$CLUSTER_DIR SBC_PG_PORT=$PG_PORT SBC_SIP_BASE_PORT=$SIP_BASE SBC_HTTP_BASE_PORT=$HTTP_BASE \
  SBC_CLUSTER_BASE_PORT=$CLUSTER_BASE SBC_NODE_JAR=$JAR SBC_FRONT=on SBC_FRONT_PORT=$FRONT_PORT \
  SBC_NEXT_HOP="sip:127.0.0.1:$UAS_PORT" SBC_CLUSTER_SECRET=stability \
  SBC_JAVA_OPTS="-Xms256m -Xmx512m -XX:+UseSerialGC" \
  timeout 400 "$REPO_ROOT/deploy/start-cluster.sh" 3 >"$WORK/start-cluster.log" 2>&1 || die "start-cluster failed: $(tail -n 5 "$WORK/start-cluster.log")"
declare -A NODE_PID
while read -r name pid; do [[ $name == node-* ]] && NODE_PID[${name#node-}]=$pid; done <"$CLUSTER_DIR/pids"
for _ in $(seq 1 60); do
  grep -c " is up" "$CLUSTER_DIR/front/front.log" 2>/dev/null | grep -q '^[3-9]' && break
  sleep 0.5
done

stat() { awk -F';' -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { v = $k } END { print v + 0 }' "$WORK/$1/stat.csv"; }
cpu_busy_idle() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $5 + $6; exit }' /proc/stat; } # busy, idle jiffies
CALLS=$((RATE * MINUTES * 60))
mkdir -p "$WORK/uas" "$WORK/uac" "$WORK/warm"
(cd "$WORK/uas" && exec sipp -sf "$SCRIPT_DIR/scenarios/uas.xml" -i 127.0.0.1 -p $UAS_PORT -nostdin \
  -trace_stat -stf stat.csv -fd 5 -trace_err -error_file errors.log >uas.out 2>&1) &
SPID[uas]=$!
# Warm-up, not counted: a cold cluster (JIT, shard allocation) answers its first calls late. 30 s at
# half the rate, then 10 s of quiet for the stragglers.
WARM_CALLS=$((RATE * 15))
log "warm-up: $WARM_CALLS calls at $(((RATE + 1) / 2)) cps, not counted"
(cd "$WORK/warm" && exec sipp -sf "$SCRIPT_DIR/scenarios/uac.xml" -i 127.0.0.1 -p $((UAC_PORT + 1)) -m $WARM_CALLS \
  -r $(((RATE + 1) / 2)) -set hold_ms 1000 -nostdin -trace_stat -stf stat.csv -fd 5 -timeout 120s \
  "127.0.0.1:$FRONT_PORT" >warm.out 2>&1) &
SPID[warm]=$!
wait "${SPID[warm]}" 2>/dev/null || true
unset 'SPID[warm]'
WARM_FAILED=$(stat warm 'FailedCall(C)')
log "warm-up done ($WARM_FAILED of $WARM_CALLS failed)"
sleep 10
START=$(date +%s)
read -r BUSY0 IDLE0 <<<"$(cpu_busy_idle)"
declare -A TICKS0
for i in 1 2 3; do TICKS0[$i]=$(proc_cpu_ticks "${NODE_PID[$i]}"); done
log "load: $CALLS calls at $RATE cps (1 s each) through the front for $MINUTES min; node 2 stands still ${PAUSE} s every ${EVERY} s"
# -abortunexp off: a 180 may reach the caller after the 200 (the front's two worker processes can
# reorder datagrams, as UDP may); a UA ignores such a late provisional, SIPp would abort the call.
(cd "$WORK/uac" && exec sipp -sf "$SCRIPT_DIR/scenarios/uac.xml" -i 127.0.0.1 -p $UAC_PORT -m $CALLS -r "$RATE" \
  -default_behaviors all,-abortunexp \
  -l $((RATE * 10)) -set hold_ms 1000 -nostdin -trace_stat -stf stat.csv -fd 5 -trace_err -error_file errors.log \
  -timeout $((MINUTES * 60 + 120))s "127.0.0.1:$FRONT_PORT" >uac.out 2>&1) &
SPID[uac]=$!
PAUSES=0
next=$((START + EVERY))
while kill -0 "${SPID[uac]}" 2>/dev/null; do
  if [[ $PAUSE != 0 && $(date +%s) -ge $next ]]; then
    kill -STOP "${NODE_PID[2]}"; sleep "$PAUSE"; kill -CONT "${NODE_PID[2]}"
    PAUSES=$((PAUSES + 1)); next=$((next + EVERY))
    log "node 2 stood still ${PAUSE} s (pause $PAUSES)"
  fi
  (($(date +%s) - START < MINUTES * 60 + 180)) || { log "caller still running after the time limit"; break; }
  sleep 1
done
wait "${SPID[uac]}" 2>/dev/null || true
unset 'SPID[uac]'
ELAPSED=$(($(date +%s) - START))
read -r BUSY1 IDLE1 <<<"$(cpu_busy_idle)"
MACHINE_BUSY=$(awk -v b=$((BUSY1 - BUSY0)) -v i=$((IDLE1 - IDLE0)) 'BEGIN { printf "%.0f", 100 * b / (b + i) }')
HZ=$(getconf CLK_TCK)
NODE_CPU=""
for i in 1 2 3; do
  t=$(proc_cpu_ticks "${NODE_PID[$i]}")
  NODE_CPU+="${NODE_CPU:+, }node $i $(awk -v d=$((t - TICKS0[$i])) -v hz="$HZ" -v s="$ELAPSED" 'BEGIN { printf "%.0f %%", 100 * d / hz / s }')"
done
sleep 3

OK=$(stat uac 'SuccessfulCall(C)'); FAILED=$(stat uac 'FailedCall(C)'); RETRANS=$(stat uac 'Retransmissions(C)')
declare -A STALL UP
for i in 1 2 3; do
  STALL[$i]=$(curl -fs "http://127.0.0.1:$((HTTP_BASE + i - 1))/metrics" | awk '$1 == "sbc_longest_stall_ms" { print int($2) }')
  UP[$i]=$(curl -fs "http://127.0.0.1:$((HTTP_BASE + i - 1))/cluster/members" | grep -o '"status":"Up"' | wc -l)
done
DOWNINGS=$(cat "$CLUSTER_DIR"/node-*.log | grep -c -E "SBR took decision|is gone: its cluster port|Marking node .* as \[Down\]|fenced: this process was stopped" || true)
# a node that stood still may find itself without a majority for a moment when it resumes (its own
# failure detector saw no heartbeats meanwhile): it fences (drops SIP) until the heartbeats are back
FENCES=$(cat "$CLUSTER_DIR"/node-*.log | grep -c "fenced: only" || true)
UNREACHABLE=$(cat "$CLUSTER_DIR"/node-*.log | grep -c "Marking node as UNREACHABLE" || true)
# Pekko's failure detector logs a heartbeat gap once it reaches 2/3 of the acceptable pause (2 s).
# gaps OBSERVERS TARGET_PORT|other : the longest logged by those nodes towards that port (or the others)
gaps() {
  local i
  for i in $1; do
    sed -nE 's/.*heartbeat interval is growing too large for address [^:]+:[^:]+:([0-9]+): ([0-9]+) millis.*/\1 \2/p' "$CLUSTER_DIR/node-$i.log"
  done | awk -v t="$2" -v paused=$((CLUSTER_BASE + 1)) '(t == "other" && $1 != paused) || $1 == t { n++; if ($2 > m) m = $2 }
      END { if (n) printf "%d ms (%d logged)", m, n; else printf "below 2 s (none logged)" }'
}
GAPS="towards node 2 as nodes 1 and 3 saw it: $(gaps "1 3" $((CLUSTER_BASE + 1))); between nodes 1 and 3: $(gaps "1 3" other); node 2 towards the others after it resumed (its own stop): $(gaps 2 other)"
ALIVE=0
for i in 1 2 3; do kill -0 "${NODE_PID[$i]}" 2>/dev/null && ALIVE=$((ALIVE + 1)); done
VERDICT=FAIL
if ((FAILED == 0 && OK == CALLS && DOWNINGS == 0 && ALIVE == 3)) && [[ ${UP[1]} == 3 ]]; then VERDICT=PASS; fi
mkdir -p "$(dirname "$REPORT")"
SECTION="$WORK/section.md"
{
  echo
  echo "## $(date -u '+%Y-%m-%d %H:%M:%S') UTC: $VERDICT"
  echo
  echo "- after a warm-up of $WARM_CALLS calls at half the rate (not counted; $WARM_FAILED failed): $MINUTES min at $RATE calls/s (1 s calls) through the front, 3 nodes (512 MiB, SerialGC) on this machine; node 2 stood still ${PAUSE} s (SIGSTOP) $PAUSES times, every ${EVERY} s"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); sbc@$(git -C "$REPO_ROOT" rev-parse --short HEAD)"
  echo
  echo "| measure | value |"
  echo "|---|---|"
  echo "| calls ok / failed / of | $OK / $FAILED / $CALLS (retransmissions $RETRANS) |"
  echo "| members Up at the end (node 1's view), nodes alive | ${UP[1]}, $ALIVE of 3 |"
  echo "| downings, removals, nodes halted (log lines) | $DOWNINGS |"
  echo "| quorum fences (a node without a majority for a moment; SIP dropped meanwhile) | $FENCES |"
  echo "| nodes marked unreachable on the way (log lines; not downed) | $UNREACHABLE |"
  echo "| machine CPU busy during the load / node CPU (of one core) | $MACHINE_BUSY % of 2 cores / $NODE_CPU |"
  echo "| longest heartbeat gap (acceptable pause 3000 ms) | $GAPS |"
  for i in 1 2 3; do
    echo "| node $i longest stall (pause watch) | ${STALL[$i]:-n/a} ms (acceptable heartbeat pause 3000 ms, pause fence 6000 ms) |"
  done
} >"$SECTION"
cat "$SECTION" >>"$REPORT"
cat "$SECTION"
log "$VERDICT; report appended to $REPORT"
[[ $VERDICT == PASS ]]
