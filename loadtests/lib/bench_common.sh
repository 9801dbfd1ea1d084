# shellcheck shell=bash
# Helpers sourced by loadtests/stability-drill.sh (not executed).
# Nothing here knows about the SBC node; node handling lives in the script that sources it.

# log MSG... : progress output on stderr
log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# now_s : wall clock in seconds with microseconds (bash 5 EPOCHREALTIME)
now_s() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then printf '%s\n' "${EPOCHREALTIME/,/.}"; else date +%s.%N; fi
}

# used_local_ports : every local TCP/UDP port currently bound (IPv4 + IPv6),
# one decimal number per line, read from /proc (no dependency on ss/netstat).
used_local_ports() {
  local f
  for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
    [[ -r $f ]] || continue
    # portable hex -> decimal (mawk has no strtonum)
    awk 'NR > 1 { split($2, a, ":"); h = toupper(a[2]); v = 0
                  for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789ABCDEF", substr(h, i, 1)) - 1
                  print v }' "$f"
  done | sort -un
}

# pick_free_port VAR SPAN : sets VAR to a port P such that P..P+SPAN-1 are
# free for TCP and UDP and were not handed out before by this function
# (PICKED_PORTS; hence no $(...) subshell). Bounded: at most 200 random
# attempts in 20000..59999. Ports are only checked, not reserved, so there is
# a small race with other programs binding ports meanwhile.
PICKED_PORTS=" "
pick_free_port() {
  local var=$1 span=${2:-1} used attempt p i ok
  used=" $(used_local_ports | tr '\n' ' ') "
  for ((attempt = 0; attempt < 200; attempt++)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    ((p % 2)) && p=$((p - 1))          # even ports: nicer for RTP
    ok=1
    for ((i = 0; i < span; i++)); do
      if [[ $used == *" $((p + i)) "* || $PICKED_PORTS == *" $((p + i)) "* ]]; then ok=0; break; fi
    done
    if ((ok)); then
      for ((i = 0; i < span; i++)); do PICKED_PORTS+="$((p + i)) "; done
      printf -v "$var" '%s' "$p"; return 0
    fi
  done
  die "no free loopback port found after 200 attempts"
}

# percentile P FILE : nearest-rank percentile of the numbers in FILE (one per
# line); prints "n/a" for an empty file.
percentile() {
  local p=$1 file=$2 n
  n=$(grep -c . "$file" || true)
  if ((n == 0)); then echo "n/a"; return; fi
  sort -g "$file" | awk -v p="$p" -v n="$n" '
    BEGIN { r = int((p / 100) * n); if (r < (p / 100) * n) r++; if (r < 1) r = 1 }
    NR == r { v = $1 }
    END { printf "%.3f\n", v }'   # reads to the end: an early exit would SIGPIPE sort under pipefail
}

# rtt_values RTT_CSV RTD_NAME : response times (ms) of one rtd from a SIPp
# -trace_rtt file ("Date_ms;response_time_ms;rtd_no", header line first).
rtt_values() {
  awk -F';' -v rtd="$2" 'NR > 1 && $3 == rtd { print $2 }' "$1"
}

# stat_field STAT_CSV COLUMN_NAME : value of COLUMN_NAME in the LAST line of
# a SIPp -trace_stat CSV (';'-separated, header line first).
stat_field() {
  awk -F';' -v col="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
    { last = $0 }
    END { if (!c || last == "") { print "n/a"; exit }
          split(last, f, ";"); print f[c] }' "$1"
}

# stat_epoch VALUE : SIPp stat time stamps look like "2026-01-01<TAB>12:00:00.123<TAB>1767268800.123456";
# prints the epoch part.
stat_epoch() { awk -F'\t' '{ print $NF }' <<<"$1"; }

# proc_cpu_ticks PID : utime+stime of PID in clock ticks (0 if gone).
# Fields are counted after the last ')' because comm may contain spaces.
proc_cpu_ticks() {
  local s
  s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  s=${s##*) }
  awk '{ print $12 + $13 }' <<<"$s"   # fields 14 and 15 of the full line
}

# proc_rss_mb PID : resident set size in MiB (VmRSS), "n/a" if gone.
proc_rss_mb() {
  awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024; found = 1 } END { if (!found) print "n/a" }' \
    "/proc/$1/status" 2>/dev/null || echo "n/a"
}

# java_heap_used_mb PID : used Java heap in MiB, from `jcmd PID GC.heap_info`
# (G1/Parallel/Serial: "... total NNNK, used NNNK", ZGC/Shenandoah "used NNNM"),
# metaspace/class space excluded; falls back to `jstat -gc` (S0U+S1U+EU+OU).
java_heap_used_mb() {
  local pid=$1 out v
  if command -v jcmd >/dev/null 2>&1 && out=$(timeout 15 jcmd "$pid" GC.heap_info 2>/dev/null); then
    v=$(awk '
      /Metaspace|class space/ { next }
      {
        for (i = 1; i < NF; i++) if ($i == "used") {
          x = $(i + 1); sub(/,$/, "", x)
          u = substr(x, length(x)); n = substr(x, 1, length(x) - 1) + 0
          if (u == "K") s += n / 1024; else if (u == "M") s += n; else if (u == "G") s += n * 1024
          else s += x / 1048576
          seen = 1
        }
      }
      END { if (seen) printf "%.1f\n", s }' <<<"$out")
    [[ -n $v ]] && { echo "$v"; return; }
  fi
  if command -v jstat >/dev/null 2>&1 && out=$(timeout 15 jstat -gc "$pid" 2>/dev/null); then
    awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         NR == 2 { printf "%.1f\n", ($h["S0U"] + $h["S1U"] + $h["EU"] + $h["OU"]) / 1024 }' <<<"$out"
    return
  fi
  echo "n/a"
}

# stop_pid PID NAME : TERM, wait up to 5 s, then KILL. Only ever called with
# PIDs this script started itself.
stop_pid() {
  local pid=$1 name=$2 i
  [[ -n $pid ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name (pid $pid) did not stop, sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# ---------------------------------------------------------------- private PostgreSQL
# A throw-away PostgreSQL server from the Debian package 'postgresql': initdb into DIR, started
# with pg_ctl on 127.0.0.1:PORT only (Unix socket in DIR), user/password sbc/sbc, database sbc.
# As root it runs as the package's postgres user (PostgreSQL refuses root); DIR's parents must be
# searchable by that user. PG_PID (the postmaster) and PG_DIR are set for pg_stop, which the
# caller's EXIT trap must run. PG_SERVER_OPTS adds server options (e.g. "-c fsync=off").
PG_PID=""
PG_DIR=""
PG_PORT=""

# pg_bin : directory of the newest installed PostgreSQL server binaries, empty if none
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true; }

# pg_start DIR PORT
pg_start() {
  local dir=$1 port=$2 bin as=()
  bin=$(pg_bin)
  [[ -n $bin && -x $bin/initdb ]] || die "PostgreSQL server not installed (apt-get install postgresql)"
  command -v psql >/dev/null || die "psql not found (apt-get install postgresql-client)"
  PG_DIR=$dir
  PG_PORT=$port
  mkdir -p "$dir"
  echo sbc >"$dir/pw"
  if [[ $(id -u) -eq 0 ]]; then
    as=(runuser -u postgres --)
    chown -R postgres:postgres "$dir"
  fi
  timeout 120 ${as[@]+"${as[@]}"} "$bin/initdb" -D "$dir/data" -U sbc --pwfile="$dir/pw" -A scram-sha-256 \
    -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 || { tail -n 20 "$dir/initdb.log" >&2; die "initdb failed"; }
  if ! timeout 90 ${as[@]+"${as[@]}"} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir ${PG_SERVER_OPTS:-}" start >"$dir/pg_ctl.log" 2>&1; then
    PG_PID=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
    tail -n 20 "$dir/server.log" >&2 || true
    die "PostgreSQL did not start on port $port"
  fi
  PG_PID=$(head -n 1 "$dir/data/postmaster.pid")
  pg_sql postgres "CREATE DATABASE sbc" >/dev/null || die "CREATE DATABASE sbc failed"
  log "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port (pid $PG_PID, data $dir/data)"
}

# pg_sql DB SQL : one statement through psql (bounded), unaligned tuples-only output
pg_sql() {
  PGPASSWORD=sbc PGCONNECT_TIMEOUT=5 timeout 30 psql -h 127.0.0.1 -p "$PG_PORT" -U sbc -d "$1" -qtAX -c "$2"
}

# pg_stop : fast shutdown (SIGINT) of the postmaster started by pg_start, bounded (30 s), then
# immediate shutdown (SIGQUIT).
pg_stop() {
  local i
  [[ -n $PG_PID ]] || return 0
  kill -0 "$PG_PID" 2>/dev/null || { PG_PID=""; return 0; }
  log "stopping PostgreSQL (pid $PG_PID)"
  kill -INT "$PG_PID" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$PG_PID" 2>/dev/null || { PG_PID=""; return 0; }
    sleep 0.1
  done
  log "PostgreSQL (pid $PG_PID) did not stop, sending QUIT"
  kill -QUIT "$PG_PID" 2>/dev/null || true
  PG_PID=""
}

# pg_cpu_ticks : utime+stime (clock ticks) of the postmaster and its current children (the
# backends of the node's connection pool, writer processes), 0 without a server.
pg_cpu_ticks() {
  local pid sum=0 t
  [[ -n $PG_PID ]] || { echo 0; return; }
  for pid in "$PG_PID" $(ps -o pid= --ppid "$PG_PID" 2>/dev/null || true); do
    t=$(proc_cpu_ticks "$pid")
    sum=$((sum + t))
  done
  echo "$sum"
}
