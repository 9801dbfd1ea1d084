"""What both drills share: SIPp instances with their files, the once-a-second sampler of the nodes,
the marked moments (kill, drain, SIGTERM, restart, ready) and the warm-up."""

import glob
import os
import re
import signal
import threading
import time

from . import procs, sipp
from .procs import ToolError, log


class Sipp:
    """One SIPp with stat, counts, rtt, error and scenario-log files in its own dir."""

    def __init__(self, drill, name, scenario, args, port=None):
        self.name = name
        self.dir = os.path.join(drill.work, "sipp-" + name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = port or drill.ports.pick()
        media = drill.ports.pick(span=4)
        cmd = ["sipp", "-sf", sipp.scenario(scenario), "-i", "127.0.0.1", "-p", str(self.port), "-t", "u1",
               "-mp", str(media), "-nostdin", "-max_socket", "1024",
               "-trace_stat", "-stf", os.path.join(self.dir, "stat.csv"), "-fd", "1", "-trace_counts",
               "-trace_rtt", "-rtt_freq", "1",
               "-trace_err", "-error_file", os.path.join(self.dir, "errors.log"),
               "-trace_logs", "-log_file", os.path.join(self.dir, "calls.log")] + list(args)
        self.proc = drill.sup.spawn("SIPp " + name, cmd, log_path=os.path.join(self.dir, "screen.log"),
                                    cwd=self.dir, grace=5)
        self.pid = self.proc.pid
        self.started = time.time()
        self.done_at = None
        self.sup = drill.sup

    def alive(self):
        if self.proc.poll() is None:
            return True
        if self.done_at is None:
            self.done_at = time.time()
        return False

    def wait(self, limit):
        end = time.monotonic() + limit
        while self.alive() and time.monotonic() < end:
            time.sleep(0.1)
        if self.alive():
            log(f"SIPp {self.name} still running after {limit:.0f} s: stopping it")
            self.stop()
        return self.proc.returncode

    def stop(self):
        self.sup.stop(self.pid)
        self.alive()

    def quit_gracefully(self):
        """SIGUSR1: no new calls; SIPp exits once the calls in progress are over."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGUSR1)

    def log_lines(self, pattern):
        try:
            with open(os.path.join(self.dir, "calls.log"), encoding="latin-1") as f:
                return [ln.rstrip("\n") for ln in f if re.search(pattern, ln)]
        except OSError:
            return []

    def count_lines(self, pattern):
        return len(self.log_lines(pattern))

    def stat(self, column):
        row = sipp.last_row(os.path.join(self.dir, "stat.csv"))
        return row.get(column, 0) if row else 0

    def stat_rows(self):
        return sipp.read_stat(os.path.join(self.dir, "stat.csv"))

    def answered(self):
        """Calls that got their (first) 200: the first '<n>_200_Recv' column of the -trace_counts file."""
        files = glob.glob(os.path.join(self.dir, "*_counts.csv"))
        if not files:
            return 0
        with open(files[0], encoding="latin-1") as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip()]
        if len(lines) < 2:
            return 0
        head, last = lines[0].split(";"), lines[-1].split(";")
        for i, h in enumerate(head):
            if re.fullmatch(r"\d+_200_Recv", h) and i < len(last):
                try:
                    return int(last[i])
                except ValueError:
                    return 0
        return 0

    def rtt(self):
        return sipp.read_rtt(self.dir, self.started_epoch())

    def started_epoch(self):
        rows = self.stat_rows()
        return rows[0]["start"] if rows else self.started

    def errors(self, top=5):
        try:
            with open(os.path.join(self.dir, "errors.log"), encoding="latin-1") as f:
                text = f.read()
        except OSError:
            return []
        msgs = re.findall(r"\t\d{10}\.\d{6}: (.*)", text)
        msgs = [re.sub(r"Call-Id '[^']*'", "Call-Id '…'", re.sub(r"call: \S+", "call: …", m))[:170]
                for m in msgs if not m.startswith("Automatic response mode")]
        counts = {}
        for m in msgs:
            counts[m] = counts.get(m, 0) + 1
        return sorted(counts.items(), key=lambda kv: -kv[1])[:top]


class Drill:
    """The state a drill run shares: supervisor, ports, work dir, cluster, marks, samples."""

    def __init__(self, sup, ports, work):
        self.sup, self.ports, self.work = sup, ports, work
        self.events = []   # (epoch, label, kind)
        self.sipps = {}
        self.cluster = None
        self.sampler = None

    def mark(self, label, kind="event"):
        self.events.append((time.time(), label, kind))
        log(label)

    def sipp(self, name, scenario, args, port=None):
        s = Sipp(self, name, scenario, args, port)
        self.sipps[name] = s
        return s


class NodeSampler(threading.Thread):
    """Once a second: each node's calls active and heap (/metrics) and CPU (from /proc)."""

    def __init__(self, cluster, interval=1.0):
        super().__init__(name="node-sampler", daemon=True)
        self.cluster, self.interval = cluster, interval
        self.rows = []   # {"t", node: {"active", "heap_mb", "cpu_pct"}}
        self.halt = threading.Event()
        self._prev = {}

    def run(self):
        while not self.halt.wait(self.interval):
            try:
                s = self.cluster.sample()
            except Exception:  # a lost sample is not worth ending the drill
                continue
            now = time.time()
            row = {"t": now, "nodes": {}}
            for name, v in s.items():
                prev = self._prev.get(name)
                cpu = None
                if v["cpu_s"] is not None and prev and prev[2] == v["pid"] and prev[1] is not None:
                    cpu = 100.0 * (v["cpu_s"] - prev[1]) / max(now - prev[0], 1e-3)
                self._prev[name] = (now, v["cpu_s"], v["pid"])
                row["nodes"][name] = {"active": v["active"], "heap_mb": v["heap_mb"], "cpu_pct": cpu}
            self.rows.append(row)

    def stop(self):
        self.halt.set()
        if self.is_alive():
            self.join(5)


def warm_up(drill, rounds=3, calls=20):
    """Rounds of short calls straight to each node's gateway (user warm.*, own callee) until one round has
    no failure: a cold cluster answers slowly (JIT, shard allocation). Returns a line for the report."""
    c = drill.cluster
    uas = drill.sipp("warm-uas", "uas.xml", ["-default_behaviors", "all,-abortunexp", "-timeout", "900s"],
                     port=drill.warm_port)
    time.sleep(0.5)
    text = []
    for r in range(1, rounds + 1):
        callers = []
        for n in c.nodes:
            callers.append((n, drill.sipp(f"warm-{n.name}-r{r}", "uac.xml",
                                          ["-s", "warm.1", "-m", str(calls), "-r", "10", "-set", "hold_ms", "200",
                                           "-recv_timeout", "40000", "-timeout", "90s", f"{n.sip[0]}:{n.sip[1]}"])))
        ok_all = True
        parts = []
        for n, s in callers:
            s.wait(100)
            ok = s.stat("SuccessfulCall(C)")
            parts.append(f"{n.name} {ok}/{calls}")
            ok_all = ok_all and ok == calls
        text.append(f"round {r}: " + ", ".join(parts))
        log("warm-up " + text[-1])
        if ok_all:
            break
        time.sleep(2)
    time.sleep(4)  # the warm-up calls' entities stop after their linger time
    return uas, "; ".join(text)


def drill_config(work, routes):
    """A node config file: the packaged application.conf plus short linger and the drill's routes."""
    path = os.path.join(work, "drill-node.conf")
    lines = ['include classpath("application.conf")',
             "# finished warm-up calls must not linger into the count of calls on the victim",
             "sbc.call.linger = 2s", "sbc.routes = ["]
    lines += [f'  {{ user-prefix = "{p}", next-hop = "{h}" }},' for p, h in routes]
    lines.append("]")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def check_tools(need_front=True):
    missing = []
    for t in ("sipp", "java", "psql"):
        if not procs.which(t):
            missing.append(t)
    if need_front and not os.path.exists("/usr/sbin/kamailio"):
        missing.append("kamailio (apt-get install kamailio)")
    try:
        import yaml  # noqa: F401
    except ImportError:
        missing.append("python3-yaml (apt-get install python3-yaml)")
    if missing:
        raise ToolError("missing: " + ", ".join(missing))
