#!/usr/bin/env bash
# Rolling-upgrade drill: 3 SBC nodes on a private PostgreSQL, a steady load of long calls with
# session refreshes spread over the three gateways, every node in turn drained over HTTP, stopped
# with SIGTERM and started again as a fresh JVM on its old addresses. It is RollingUpgradeIT
# (loadtests/src/test/java/io/sbc/loadtests/RollingUpgradeIT.java) at drill size, run --runs times
# in a row; each run writes its report, and the summary goes to
# loadtests/reports/rolling-upgrade-<timestamp>/report.md.
#
# Usage:
#   loadtests/rolling-upgrade-drill.sh [--rate CPS] [--hold SECONDS] [--runs N] [--no-build]
#
#   --rate CPS      new calls per second over the three gateways (default 50)
#   --hold SECONDS  how long each call is held (default 30); the SBC refreshes both legs every 10 s
#   --runs N        runs in a row (default 3); the drill passes when every run has 0 failed calls
#   --no-build      use the jars already built (default: mvn install -DskipTests first)
#
# What a run does, what it measures and how it plays the front: see RollingUpgradeIT's comment.
# Every process a run starts (PostgreSQL, nodes, SIPp) is stopped by PID when it ends.
# Exit status: 0 when every run passed, 1 otherwise, 2 on setup errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
RATE=50
HOLD=30
RUNS=3
BUILD=1
while (( $# > 0 )); do
  case "$1" in
    --rate) RATE=$2; shift 2 ;;
    --hold) HOLD=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $RATE =~ ^[0-9]+$ && $HOLD =~ ^[0-9]+$ && $RUNS =~ ^[0-9]+$ ]] || { echo "--rate, --hold, --runs take whole numbers" >&2; exit 2; }
command -v sipp >/dev/null || { echo "sipp missing: run ./run-tests.sh once (it installs sip-tester), or apt-get install sip-tester" >&2; exit 2; }
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "PostgreSQL server missing: apt-get install postgresql" >&2; exit 2; }

OUT="$REPO_ROOT/loadtests/reports/rolling-upgrade-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
log() { printf '[rolling %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

cd "$REPO_ROOT"
if (( BUILD )); then
  log "building (mvn install -DskipTests)"
  mvn -B -q install -DskipTests >"$OUT/build.log" 2>&1 || { log "build failed, see $OUT/build.log"; exit 2; }
fi

passed=0
for run in $(seq 1 "$RUNS"); do
  log "run $run of $RUNS: $RATE calls/s, calls held $HOLD s"
  if mvn -B -o verify -pl loadtests -Dit.test=RollingUpgradeIT -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
      -Ddrill.rate="$RATE" -Ddrill.hold="$HOLD" -Ddrill.report="$OUT/run-$run.md" >"$OUT/run-$run.log" 2>&1; then
    result=PASS
    passed=$((passed + 1))
  else
    result=FAIL
  fi
  log "run $run: $result ($OUT/run-$run.md, maven log $OUT/run-$run.log)"
  echo "$result" >"$OUT/run-$run.result"
done

{
  echo "# Rolling-upgrade drill: $passed of $RUNS runs passed"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo "Each run: --rate $RATE calls/s, --hold $HOLD s. PASS = no call failed (SIPp FailedCall 0 on every caller)."
  for run in $(seq 1 "$RUNS"); do
    echo
    echo "## Run $run: $(cat "$OUT/run-$run.result")"
    echo
    if [[ -f "$OUT/run-$run.md" ]]; then
      sed '1d' "$OUT/run-$run.md"
    else
      echo "(no report: the run stopped early, see run-$run.log)"
    fi
  done
} >"$OUT/report.md"
log "report: $OUT/report.md"
cat "$OUT/report.md"
(( passed == RUNS ))
