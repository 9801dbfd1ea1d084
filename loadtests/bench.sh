#!/usr/bin/env bash
# Single-node SIP benchmark: SIPp UAC -> SBC node -> SIPp UAS, all on 127.0.0.1.
#
# Usage:
#   loadtests/bench.sh [--rate CPS] [--duration SECONDS | --calls N]
#                      [--transport udp|tcp] [--hold-ms MS] [--report FILE]
#                      [--tcp-mode t1|tn] [--journal h2|postgres] [--keep] [--no-sbc]
#
#   --rate CPS          offered call rate (default 100)
#   --duration SECONDS  calls = rate x duration (default 10 s)
#   --calls N           explicit number of calls (overrides --duration)
#   --transport         udp (SIPp -t u1) or tcp (SIPp -t t1 by default)
#   --hold-ms MS        time between ACK and BYE (default 1000)
#   --report FILE       Markdown report to append to (default loadtests/reports/bench.md)
#   --tcp-mode t1|tn    tcp only: t1 = one multiplexed connection (trunk-like,
#                       default), tn = one TCP connection per call (UAC side)
#   --warmup SECONDS    before measuring, run calls at min(rate, 200) cps for this long
#                       so the JIT has compiled the hot paths (default 30; 0 = none).
#                       Warm-up calls are reported on their own line, not in the row.
#   --journal h2|postgres  the node's journal: h2 (embedded file, default) or postgres (a
#                       private PostgreSQL server started here on a free loopback port, Debian
#                       package 'postgresql', default durable settings; PG_SERVER_OPTS adds
#                       server options). The summary and the row give the journal events written
#                       per second of the measured run: postgres = rows added to event_journal
#                       (counted with psql), h2 = sbc_calls_established + sbc_calls_ended
#                       increments (one CallEstablished and one CallEnded event per call).
#   --keep              keep the temp dir (SIPp logs, node log) for inspection
#   --no-sbc            baseline: no node at all, the UAC calls the UAS directly.
#                       Measures SIPp itself on this machine (node columns n/a).
#
# Environment: SBC_NODE_JAR=/path/to.jar uses that jar instead of
# node/target/sbc-node-*-all.jar (no maven build then); SBC_JAVA_OPTS adds
# JVM options to the node (the heap stays fixed at 1 GiB).
#
# Output: a summary on stdout and one Markdown table row appended to the
# report. Exit status: 0 if every call succeeded, 1 if any call failed (or the
# UAC did not finish), 2 on setup errors.
#
# Every process started here (node, SIPp UAS, SIPp UAC, PostgreSQL) is recorded by PID and
# stopped in the EXIT trap; the temp dir is removed there too.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
SCENARIOS="$SCRIPT_DIR/scenarios"
# shellcheck source=lib/bench_common.sh
source "$SCRIPT_DIR/lib/bench_common.sh"

RATE=100
DURATION=10
CALLS=""
TRANSPORT=udp
TCP_MODE=t1
HOLD_MS=1000
REPORT="$SCRIPT_DIR/reports/bench.md"
NO_SBC=0
KEEP=0
WARMUP=30
JOURNAL=h2

usage() { sed -n '2,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    --rate) need_arg "$@"; RATE=$2; shift 2 ;;
    --duration) need_arg "$@"; DURATION=$2; shift 2 ;;
    --calls) need_arg "$@"; CALLS=$2; shift 2 ;;
    --transport) need_arg "$@"; TRANSPORT=$2; shift 2 ;;
    --tcp-mode) need_arg "$@"; TCP_MODE=$2; shift 2 ;;
    --hold-ms) need_arg "$@"; HOLD_MS=$2; shift 2 ;;
    --report) need_arg "$@"; REPORT=$2; shift 2 ;;
    --no-sbc) NO_SBC=1; shift ;;
    --keep) KEEP=1; shift ;;
    --warmup) need_arg "$@"; WARMUP=$2; shift 2 ;;
    --journal) need_arg "$@"; JOURNAL=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[[ $RATE =~ ^[0-9]+$ && $RATE -gt 0 ]] || die "--rate must be a positive integer"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -gt 0 ]] || die "--duration must be a positive integer"
[[ -z $CALLS || ($CALLS =~ ^[0-9]+$ && $CALLS -gt 0) ]] || die "--calls must be a positive integer"
[[ $HOLD_MS =~ ^[0-9]+$ ]] || die "--hold-ms must be a non-negative integer"
[[ $WARMUP =~ ^[0-9]+$ ]] || die "--warmup must be a non-negative integer"
case $TRANSPORT in
  udp) SIPP_T=u1 ;;
  tcp) case $TCP_MODE in t1 | tn) SIPP_T=$TCP_MODE ;; *) die "--tcp-mode must be t1 or tn" ;; esac ;;
  *) die "--transport must be udp or tcp" ;;
esac
case $JOURNAL in h2 | postgres) ;; *) die "--journal must be h2 or postgres" ;; esac
((NO_SBC)) && JOURNAL=n/a
CALLS=${CALLS:-$((RATE * DURATION))}
command -v sipp >/dev/null || die "sipp not found (Debian/Ubuntu: apt-get install sip-tester)"

# ---------------------------------------------------------------- state/cleanup
WORK=""
NODE_PID=""
UAS_PID=""
UAC_PID=""
NODE_JAR=""

cleanup() {
  local rc=$?
  set +e
  stop_pid "$UAC_PID" "SIPp UAC"
  stop_pid "$UAS_PID" "SIPp UAS"
  stop_node
  pg_stop
  if [[ -n $WORK && -d $WORK ]]; then
    if ((KEEP)); then log "kept work dir $WORK"; else rm -rf -- "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE   # e.g. `bench.sh | head`: still run the EXIT cleanup

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sbc-bench.XXXXXX")

# ---------------------------------------------------------------- node (SBC)
# Everything that knows about the node is in these functions.

find_node_jar() {
  local jars=()
  if [[ -n ${SBC_NODE_JAR:-} ]]; then
    [[ -f $SBC_NODE_JAR ]] || die "SBC_NODE_JAR=$SBC_NODE_JAR does not exist"
    NODE_JAR=$SBC_NODE_JAR
    log "node jar (SBC_NODE_JAR): $NODE_JAR"
    return
  fi
  shopt -s nullglob
  jars=("$REPO_ROOT"/node/target/sbc-node-*-all.jar)
  shopt -u nullglob
  if ((${#jars[@]} == 0)); then
    log "node fat jar missing, building it (mvn -pl node -am package)"
    (cd "$REPO_ROOT" && mvn -B -q -DskipTests -pl node -am package) >&2 || die "maven build failed"
    shopt -s nullglob
    jars=("$REPO_ROOT"/node/target/sbc-node-*-all.jar)
    shopt -u nullglob
    ((${#jars[@]} > 0)) || die "build finished but node/target/sbc-node-*-all.jar not found"
  fi
  NODE_JAR=${jars[-1]}
  log "node jar: $NODE_JAR"
}

# start_node SIP_PORT NEXT_HOP_URI HTTP_PORT CLUSTER_PORT
start_node() {
  local sip_port=$1 next_hop=$2 http_port=$3 cluster_port=$4
  mkdir -p "$WORK/node-data"
  log "starting node: SIP 127.0.0.1:$sip_port, next hop $next_hop, HTTP $http_port, cluster $cluster_port"
  # env execs java, so $! is the JVM's own PID (needed for /proc and jcmd).
  env SBC_SIP_HOST=127.0.0.1 \
    SBC_SIP_PORT="$sip_port" \
    SBC_NEXT_HOP="$next_hop" \
    SBC_HTTP_PORT="$http_port" \
    SBC_DATA_DIR="$WORK/node-data" \
    SBC_CLUSTER_PORT="$cluster_port" \
    "${JOURNAL_ENV[@]}" \
    java -Xms1g -Xmx1g ${SBC_JAVA_OPTS:-} -jar "$NODE_JAR" >"$WORK/node.log" 2>&1 &
  NODE_PID=$!
}

# wait_node_ready HTTP_PORT : bounded (60 s) poll of GET /ready
wait_node_ready() {
  local http_port=$1 i
  for ((i = 0; i < 120; i++)); do
    kill -0 "$NODE_PID" 2>/dev/null || { tail -n 30 "$WORK/node.log" >&2 || true; die "node exited during startup"; }
    if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$http_port/ready"; then
      log "node ready after ~$((i / 2)) s"
      return 0
    fi
    sleep 0.5
  done
  tail -n 30 "$WORK/node.log" >&2 || true
  die "node not ready within 60 s"
}

stop_node() {
  [[ -n $NODE_PID ]] || return 0
  stop_pid "$NODE_PID" "node"
  NODE_PID=""
}

# node_counter NAME : a counter of the node's /metrics (Prometheus name with _total), "" if missing
node_counter() {
  { curl -fs --max-time 5 "http://127.0.0.1:$HTTP_PORT/metrics" 2>/dev/null || true; } |
    awk -v n="$1" '$1 == n { printf "%d\n", $2 }'
}

# journal_events : events written to the journal so far. postgres: rows of event_journal plus
# rows the node's janitor deleted; h2: calls established + calls ended (metrics).
journal_events() {
  local rows deleted est ended
  if [[ $JOURNAL == postgres ]]; then
    rows=$(pg_sql sbc "SELECT count(*) FROM event_journal" 2>/dev/null || true)
    deleted=$(node_counter sbc_journal_rows_deleted_total)
    [[ $rows =~ ^[0-9]+$ ]] || { echo ""; return; }
    echo $((rows + ${deleted:-0}))
  else
    est=$(node_counter sbc_calls_established_total)
    ended=$(node_counter sbc_calls_ended_total)
    [[ -n $est && -n $ended ]] || { echo ""; return; }
    echo $((est + ended))
  fi
}

# node_metrics_sample : "ticks wallclock" of the node process
node_cpu_sample() { echo "$(proc_cpu_ticks "$NODE_PID") $(now_s)"; }

# ---------------------------------------------------------------- ports
pick_free_port UAS_PORT 1
pick_free_port UAC_PORT 1
pick_free_port UAS_MEDIA 4    # SIPp binds [media_port] (+2 for video)
pick_free_port UAC_MEDIA 4
if ((NO_SBC)); then
  TARGET_PORT=$UAS_PORT
else
  pick_free_port SBC_SIP_PORT 1
  pick_free_port HTTP_PORT 1
  pick_free_port CLUSTER_PORT 1
  TARGET_PORT=$SBC_SIP_PORT
fi
JOURNAL_ENV=(SBC_JOURNAL=h2)
if [[ $JOURNAL == postgres ]]; then
  pick_free_port PG_LISTEN_PORT 1
  chmod 755 "$WORK"   # the server runs as user postgres and must reach its dir inside
  pg_start "$WORK/pg" "$PG_LISTEN_PORT"
  JOURNAL_ENV=(SBC_JOURNAL=postgres "SBC_JDBC_URL=jdbc:postgresql://127.0.0.1:$PG_LISTEN_PORT/sbc"
    SBC_JDBC_USER=sbc SBC_JDBC_PASSWORD=sbc)
fi
JOURNAL_LABEL=$JOURNAL
if [[ $JOURNAL == postgres && -n ${PG_SERVER_OPTS:-} ]]; then JOURNAL_LABEL+=" ($PG_SERVER_OPTS)"; fi

# SIPp limits. -l: max concurrent calls (rate x (hold + 10 s) + margin; SIPp
# cannot derive a default from a variable pause). -max_socket must stay below
# the open-files limit (tn uses one socket per call).
HOLD_S=$(((HOLD_MS + 999) / 1000))
CALL_LIMIT=$((RATE * (HOLD_S + 10) + 100))
NOFILE=$(ulimit -n)
[[ $NOFILE =~ ^[0-9]+$ ]] || NOFILE=65536
MAX_SOCKET=$((NOFILE - 256))
((MAX_SOCKET > 50000)) && MAX_SOCKET=50000
((MAX_SOCKET < 256)) && die "open files limit too low ($NOFILE)"
# Hard stop for the UAC: sending time + hold + 64 s (2 x Timer B for UDP
# retransmissions) ; the wait loop below gives it 30 s more before killing.
UAC_TIMEOUT_S=$(((CALLS + RATE - 1) / RATE + HOLD_S + 64))
UAS_TIMEOUT_S=$((UAC_TIMEOUT_S + 60))

# ---------------------------------------------------------------- run
if ((NO_SBC)); then
  log "--no-sbc: UAC -> UAS directly (SIPp baseline)"
else
  find_node_jar
  next_hop="sip:127.0.0.1:$UAS_PORT"
  [[ $TRANSPORT == tcp ]] && next_hop+=";transport=tcp"
  start_node "$SBC_SIP_PORT" "$next_hop" "$HTTP_PORT" "$CLUSTER_PORT"
  wait_node_ready "$HTTP_PORT"
fi

# SIPp runs as a plain background job (not -bg) so that $! is SIPp's own PID
# and `wait` gives the UAC's exit status; -nostdin since there is no terminal.
# cwd = $WORK because SIPp writes <scenario>_<pid>_rtt.csv etc. to the cwd.
log "starting SIPp UAS on 127.0.0.1:$UAS_PORT ($SIPP_T)"
(cd "$WORK" && exec sipp -sf "$SCENARIOS/uas.xml" -i 127.0.0.1 -p "$UAS_PORT" -t "$SIPP_T" \
  -mp "$UAS_MEDIA" -max_socket "$MAX_SOCKET" -nostdin \
  -trace_err -error_file "$WORK/uas_errors.log" \
  -trace_logs -log_file "$WORK/uas_callids.log" \
  -timeout "${UAS_TIMEOUT_S}s") >"$WORK/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.5
kill -0 "$UAS_PID" 2>/dev/null || { cat "$WORK/uas.out" >&2; die "SIPp UAS did not start"; }

WARM_CALLS_SEEN=0
if ((WARMUP > 0 && !NO_SBC)); then
  WARM_RATE=$((RATE < 200 ? RATE : 200))
  WARM_CALLS=$((WARM_RATE * WARMUP))
  log "warm-up: $WARM_CALLS calls at $WARM_RATE cps (not measured)"
  set +e
  (cd "$WORK" && exec timeout $((WARMUP + 90)) sipp "127.0.0.1:$TARGET_PORT" -sf "$SCENARIOS/uac.xml" -i 127.0.0.1 \
    -p "$UAC_PORT" -t "$SIPP_T" -mp "$UAC_MEDIA" -r "$WARM_RATE" -m "$WARM_CALLS" -l "$CALL_LIMIT" \
    -set hold_ms 200 -max_socket "$MAX_SOCKET" -nostdin -trace_stat -stf "$WORK/warmup_stat.csv" -fd 1 \
    -timeout "$((WARMUP + 60))s" -timeout_error) >"$WORK/warmup.out" 2>&1
  WARM_RC=$?
  set -e
  if [[ -s $WORK/warmup_stat.csv ]]; then
    log "warm-up done (exit $WARM_RC): ok $(stat_field "$WORK/warmup_stat.csv" "SuccessfulCall(C)"), failed $(stat_field "$WORK/warmup_stat.csv" "FailedCall(C)"), retransmissions $(stat_field "$WORK/warmup_stat.csv" "Retransmissions(C)")"
  else
    log "warm-up wrote no statistics (exit $WARM_RC)"
  fi
  sleep 2
  WARM_CALLS_SEEN=$(grep -c '^call-id ' "$WORK/uas_callids.log" 2>/dev/null || true)
  WARM_CALLS_SEEN=${WARM_CALLS_SEEN:-0}
fi

log "starting SIPp UAC -> 127.0.0.1:$TARGET_PORT: $CALLS calls at $RATE cps, hold $HOLD_MS ms, $SIPP_T"
if ((!NO_SBC)); then
  CPU0=$(node_cpu_sample)
  PGCPU0=$(pg_cpu_ticks)
  EV0=$(journal_events)
fi
(cd "$WORK" && exec sipp "127.0.0.1:$TARGET_PORT" -sf "$SCENARIOS/uac.xml" -i 127.0.0.1 -p "$UAC_PORT" \
  -t "$SIPP_T" -mp "$UAC_MEDIA" -r "$RATE" -m "$CALLS" -l "$CALL_LIMIT" \
  -set hold_ms "$HOLD_MS" -max_socket "$MAX_SOCKET" -nostdin \
  -trace_stat -stf "$WORK/uac_stat.csv" -fd 1 \
  -trace_rtt -rtt_freq 1 \
  -trace_err -error_file "$WORK/uac_errors.log" \
  -timeout "${UAC_TIMEOUT_S}s" -timeout_error) >"$WORK/uac.out" 2>&1 &
UAC_PID=$!

# Bounded wait for the UAC (its own -timeout should fire first).
UAC_RC=""
for ((i = 0; i < (UAC_TIMEOUT_S + 30) * 10; i++)); do
  if ! kill -0 "$UAC_PID" 2>/dev/null; then
    set +e; wait "$UAC_PID"; UAC_RC=$?; set -e
    break
  fi
  sleep 0.1
done
if [[ -z $UAC_RC ]]; then
  log "UAC did not finish in time, stopping it"
  stop_pid "$UAC_PID" "SIPp UAC"
  UAC_RC=124
fi
UAC_PID=""

# ---------------------------------------------------------------- node metrics
NODE_CPU=n/a
HEAP_MB=n/a
RSS_MB=n/a
if ((!NO_SBC)); then
  CPU1=$(node_cpu_sample)
  PGCPU1=$(pg_cpu_ticks)
  CLK_TCK=$(getconf CLK_TCK)
  NODE_CPU=$(awk -v a="$CPU0" -v b="$CPU1" -v hz="$CLK_TCK" 'BEGIN {
      split(a, x, " "); split(b, y, " "); dt = y[2] - x[2]
      if (dt <= 0) { print "n/a"; exit }
      printf "%.1f\n", ((y[1] - x[1]) / hz) / dt * 100 }')
  HEAP_MB=$(java_heap_used_mb "$NODE_PID")
  RSS_MB=$(proc_rss_mb "$NODE_PID")
fi

# Give the UAS a moment to see the last BYEs, then stop it (it has no -m).
sleep 0.5
stop_pid "$UAS_PID" "SIPp UAS"
UAS_PID=""

# Journal events of the measured run: once the count is stable for 1 s (bounded: 10 s), the
# last CallEnded events being written after the BYEs.
EVENTS=n/a
if ((!NO_SBC)); then
  EV1=$(journal_events)
  for ((i = 0; i < 10; i++)); do
    sleep 1
    ev=$(journal_events)
    [[ $ev == "$EV1" ]] && break
    EV1=$ev
  done
  if [[ $EV0 =~ ^[0-9]+$ && $EV1 =~ ^[0-9]+$ ]]; then EVENTS=$((EV1 - EV0)); fi
fi
PG_CPU=n/a
if [[ $JOURNAL == postgres ]]; then
  PG_CPU=$(awk -v a="$PGCPU0" -v b="$PGCPU1" -v c0="$CPU0" -v c1="$CPU1" -v hz="$CLK_TCK" 'BEGIN {
      split(c0, x, " "); split(c1, y, " "); dt = y[2] - x[2]
      if (dt <= 0) { print "n/a"; exit }
      printf "%.1f\n", ((b - a) / hz) / dt * 100 }')
fi

# ---------------------------------------------------------------- SIPp results
STAT="$WORK/uac_stat.csv"
[[ -s $STAT ]] || { tail -n 40 "$WORK/uac.out" >&2 || true; die "no SIPp statistics file ($STAT)"; }
TOTAL=$(stat_field "$STAT" "TotalCallCreated")
SUCC=$(stat_field "$STAT" "SuccessfulCall(C)")
FAILED=$(stat_field "$STAT" "FailedCall(C)")
RETRANS=$(stat_field "$STAT" "Retransmissions(C)")
T_START=$(stat_epoch "$(stat_field "$STAT" "StartTime")")
T_END=$(stat_epoch "$(stat_field "$STAT" "CurrentTime")")
ELAPSED=$(awk -v a="$T_START" -v b="$T_END" 'BEGIN { printf "%.3f\n", b - a }')
# cps: successful / elapsed, elapsed = SIPp start .. last stats dump (it
# includes the hold time of the last calls). cps_net subtracts that hold time,
# i.e. approximates the rate at which calls were set up.
CPS=$(awk -v s="$SUCC" -v e="$ELAPSED" 'BEGIN { if (e > 0) printf "%.1f\n", s / e; else print "n/a" }')
CPS_NET=$(awk -v s="$SUCC" -v e="$ELAPSED" -v h="$HOLD_MS" 'BEGIN {
  e -= h / 1000; if (e > 0) printf "%.1f\n", s / e; else print "n/a" }')
# The elapsed time above ends with SIPp, i.e. after the last failed call gave up (up to 32 s of
# retransmissions later). "to last ok" ends at the statistics dump (1 s resolution) that counted
# the last successful call: the measured duration of the calls/s and journal events/s that
# describe throughput.
ELAPSED_OK=$(awk -F';' -v succ="$SUCC" -v t0="$T_START" '
  NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "SuccessfulCall(C)") c = i; if ($i == "CurrentTime") ct = i }; next }
  c && ct && $c + 0 >= succ + 0 { n = split($ct, t, "\t"); printf "%.3f\n", t[n] - t0; found = 1; exit }
  END { if (!found) print "n/a" }' "$STAT")
CPS_OK=$(awk -v s="$SUCC" -v e="$ELAPSED_OK" 'BEGIN { if (e > 0) printf "%.1f\n", s / e; else print "n/a" }')
EV_RATE=$(awk -v n="$EVENTS" -v e="$ELAPSED_OK" 'BEGIN { if (n ~ /^[0-9]+$/ && e > 0) printf "%.1f\n", n / e; else print "n/a" }')
case $JOURNAL in
  postgres) EV_HOW="rows added to event_journal" ;;
  h2) EV_HOW="calls established + ended (metrics)" ;;
  *) EV_HOW="no node" ;;
esac

# (a glob, not `find | head`: with pipefail a SIGPIPE from find would abort the script)
shopt -s nullglob
RTT_FILES=("$WORK"/uac_*_rtt.csv)
shopt -u nullglob
RTT_FILE=${RTT_FILES[0]:-}
P50=n/a; P99=n/a; SETUP_P50=n/a; SETUP_P99=n/a
if [[ -n $RTT_FILE && -s $RTT_FILE ]]; then
  rtt_values "$RTT_FILE" 1 >"$WORK/rtd1.txt"   # INVITE -> first response
  rtt_values "$RTT_FILE" 2 >"$WORK/rtd2.txt"   # INVITE -> 200 OK
  P50=$(percentile 50 "$WORK/rtd1.txt"); P99=$(percentile 99 "$WORK/rtd1.txt")
  SETUP_P50=$(percentile 50 "$WORK/rtd2.txt"); SETUP_P99=$(percentile 99 "$WORK/rtd2.txt")
fi
UAS_CALLS=$(grep -c '^call-id ' "$WORK/uas_callids.log" 2>/dev/null || true)
UAS_CALLS=$((${UAS_CALLS:-0} - WARM_CALLS_SEEN))

MODE=$([[ $NO_SBC == 1 ]] && echo "no-sbc" || echo "sbc")
# Which build a row measured: the commit (with + when the work tree had changes).
COMMIT=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git -C "$REPO_ROOT" status --porcelain --untracked-files=no 2>/dev/null) ]] || COMMIT+="+"
((NO_SBC)) || MODE+="@$COMMIT"
TS=$(date -u +%Y-%m-%dT%H:%M:%SZ)

cat <<EOF

== SBC benchmark ($MODE, $TRANSPORT/$SIPP_T, offered $RATE cps, $CALLS calls, hold $HOLD_MS ms)
achieved cps       : $CPS (successful / elapsed ${ELAPSED}s; net of hold: $CPS_NET; to the last successful call: $CPS_OK in ${ELAPSED_OK}s)
calls              : total $TOTAL, successful $SUCC, failed $FAILED (UAS saw $UAS_CALLS)
retransmissions    : $RETRANS
INVITE->1st resp   : p50 $P50 ms, p99 $P99 ms
INVITE->200 OK     : p50 $SETUP_P50 ms, p99 $SETUP_P99 ms
journal            : $JOURNAL_LABEL, $EVENTS events ($EV_HOW) = $EV_RATE events/s (over ${ELAPSED_OK}s)
node CPU (1 core)  : $NODE_CPU %$([[ $JOURNAL == postgres ]] && echo " (PostgreSQL: $PG_CPU %)")
node heap used     : $HEAP_MB MB
node RSS           : $RSS_MB MB
SIPp UAC exit code : $UAC_RC
EOF
# (SIPp 3.6 takes RTD time stamps from CLOCK_MONOTONIC_COARSE: response times
# are multiples of the kernel tick, typically 1 or 4 ms.)

mkdir -p "$(dirname "$REPORT")"
if [[ ! -s $REPORT ]]; then
  cat >"$REPORT" <<'EOF'
# SBC benchmark results

Appended by `loadtests/bench.sh`. Latencies in ms (SIPp RTD resolution = kernel tick, 1-4 ms);
"1st resp" = INVITE -> first response (usually 100 Trying), "setup" = INVITE -> 200 OK.
CPU = node process CPU time / wall time during the UAC run, in % of one core.
EOF
fi
# The journal columns came later: a report with only the older table gets the new header once.
HEADER='| timestamp (UTC) | mode | journal | transport | rate | calls | hold ms | cps | cps net | total | ok | failed | retrans | 1st resp p50 | 1st resp p99 | setup p50 | setup p99 | node CPU % | PG CPU % | heap MB | RSS MB | s to last ok | cps to last ok | journal events | events/s |'
if ! grep -qF -- "$HEADER" "$REPORT"; then
  cat >>"$REPORT" <<EOF

With the journal columns (\`--journal\`): "journal events" = events written during the measured run
(postgres: rows added to \`event_journal\`, counted with psql; h2: \`sbc_calls_established\` +
\`sbc_calls_ended\` increments, one CallEstablished and one CallEnded event per call); "s to last ok" =
SIPp start to the statistics dump that counted the last successful call (the "cps" elapsed time also
holds the up to 32 s the last failed calls take to give up); "cps to last ok" and "events/s" are per
that time; "PG CPU %" = the PostgreSQL server processes (default durable settings: fsync and
synchronous_commit on, unless PG_SERVER_OPTS said otherwise).

$HEADER
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
fi
printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
  "$TS" "$MODE" "$JOURNAL_LABEL" "$TRANSPORT/$SIPP_T" "$RATE" "$CALLS" "$HOLD_MS" "$CPS" "$CPS_NET" "$TOTAL" "$SUCC" \
  "$FAILED" "$RETRANS" "$P50" "$P99" "$SETUP_P50" "$SETUP_P99" "$NODE_CPU" "$PG_CPU" "$HEAP_MB" "$RSS_MB" \
  "$ELAPSED_OK" "$CPS_OK" "$EVENTS" "$EV_RATE" >>"$REPORT"
log "report row appended to $REPORT"

if [[ $FAILED != 0 || $UAC_RC != 0 || $SUCC != "$CALLS" ]]; then
  log "FAIL: failed=$FAILED successful=$SUCC/$CALLS uac_rc=$UAC_RC"
  if [[ -s $WORK/uac_errors.log ]]; then head -c 3000 "$WORK/uac_errors.log" >&2; echo >&2; fi
  exit 1
fi
exit 0
