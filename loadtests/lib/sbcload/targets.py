"""The SIP servers under load: an SBC node, a local SBC cluster behind its front, a Kamailio the
tool starts, or a server already running. Each gives the address SIPp calls, the processes whose
CPU is the server's cost, and what it can tell about memory and calls in progress.
"""

import glob
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.request

from . import procs
from .procs import ToolError, log

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
KAMAILIO_CFG = os.path.join(REPO, "loadtests", "kamailio", "kamailio-b2b-bench.cfg")
ADD_OPENS = ["--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"]


def http_get(url, timeout=2.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except Exception:  # refused, timeout, HTTP error: the caller only needs "not there"
        return None, ""


_HEAP = re.compile(r'^jvm_memory_used_bytes\{[^}]*area="heap"[^}]*\}\s+(\S+)', re.M)
_ACTIVE = re.compile(r'^sbc_calls_active(?:\{[^}]*\})?\s+(\S+)', re.M)


def parse_metrics(text):
    """(heap bytes used, calls active) from a Prometheus page; None for what it lacks."""
    heap = [float(v) for v in _HEAP.findall(text)]
    active = [float(v) for v in _ACTIVE.findall(text)]
    return (sum(heap) if heap else None), (sum(active) if active else None)


def metric_value(text, name):
    """Sum of every series of one metric (counter or gauge) on a Prometheus page; None if absent."""
    vals = re.findall(r"^" + re.escape(name) + r"(?:\{[^}]*\})?\s+(\S+)", text, re.M)
    return sum(float(v) for v in vals) if vals else None


def find_node_jar(explicit):
    jar = explicit or os.environ.get("SBC_NODE_JAR")
    if jar:
        if not os.path.isfile(jar):
            raise ToolError(f"node jar {jar} does not exist")
        return os.path.abspath(jar)
    jars = sorted(glob.glob(os.path.join(REPO, "node", "target", "sbc-node-*-all.jar")))
    if not jars:
        raise ToolError("node jar missing: build it with `mvn -B -q package -DskipTests -pl node -am` "
                        "(or give --jar / SBC_NODE_JAR)")
    return jars[-1]


class Target:
    kind = "server"
    label = "?"
    address = None

    def __init__(self):
        self.meters = {}        # the server's own processes: name -> CpuMeter
        self.infra_meters = {}  # what it needs besides (PostgreSQL, the front): name -> CpuMeter
        self.java_pids = {}     # name -> pid, for jcmd (heap after GC, JFR)
        self.logs = []

    def start(self):
        pass

    def memory_mb(self):
        """{name: MB}: used Java heap of each node, or the shared memory Kamailio uses."""
        return {}

    def active_calls(self):
        return None

    def counters(self):
        """Counters worth a line in the report (the SBC's /metrics); {} when the server has none."""
        return {}

    def sample(self):
        """(memory_mb(), active_calls()) in one go: the sampler's once-a-second look."""
        return self.memory_mb(), self.active_calls()

    def tail_logs(self, n=25):
        out = []
        for p in self.logs:
            try:
                with open(p, errors="replace") as f:
                    lines = f.readlines()[-n:]
                out.append(f"--- {p}\n" + "".join(lines))
            except OSError:
                pass
        return "\n".join(out)


class PrivatePostgres:
    """A throw-away PostgreSQL server (Debian package postgresql) on 127.0.0.1:port, data in dir.

    initdb + pg_ctl as the package's postgres user when the tool runs as root (PostgreSQL refuses
    root); database sbc, user/password sbc/sbc, default durable settings. Stopped by the PID in
    postmaster.pid with SIGINT (fast shutdown).
    """

    def __init__(self, sup, directory, port, host="127.0.0.1", password="sbc", user="sbc", database="sbc"):
        self.sup, self.dir, self.port, self.host = sup, directory, port, host
        self.password, self.user, self.database = password, user, database
        self.pid = None

    @staticmethod
    def bin_dir():
        dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) for x in re.findall(r"\d+", d)])
        if not dirs or not os.path.exists(os.path.join(dirs[-1], "initdb")):
            raise ToolError("PostgreSQL server not installed: apt-get install postgresql")
        if not procs.which("psql"):
            raise ToolError("psql not found: apt-get install postgresql-client")
        return dirs[-1]

    def start(self):
        b = self.bin_dir()
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "pw"), "w") as f:
            f.write(self.password + "\n")
        as_pg = []
        if os.geteuid() == 0:
            as_pg = ["runuser", "-u", "postgres", "--"]
            subprocess.run(["chown", "-R", "postgres:postgres", self.dir], check=False)
        rc, out = procs.run_quiet(as_pg + [f"{b}/initdb", "-D", f"{self.dir}/data", "-U", self.user,
                                           f"--pwfile={self.dir}/pw", "-A", "scram-sha-256", "-E", "UTF8",
                                           "--no-sync"], timeout=120)
        if rc != 0:
            raise ToolError("initdb failed:\n" + out[-2000:])
        rc, out = procs.run_quiet(as_pg + [f"{b}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/server.log",
                                           "-w", "-t", "60", "-o",
                                           f"-p {self.port} -c listen_addresses={self.host} -k {self.dir}", "start"],
                                  timeout=90)
        self.pid = self._postmaster_pid()
        if self.pid:
            self.sup.adopt("PostgreSQL", self.pid, stop_sig=signal.SIGINT, grace=30)
        if rc != 0 or not self.pid:
            raise ToolError(f"PostgreSQL did not start on {self.host}:{self.port}:\n{out[-1500:]}")
        rc, out = self.sql("postgres", f"CREATE DATABASE {self.database}")
        if rc != 0:
            raise ToolError(f"CREATE DATABASE {self.database} failed: " + out)
        log(f"PostgreSQL on {self.host}:{self.port} (pid {self.pid})")

    def _postmaster_pid(self):
        try:
            with open(f"{self.dir}/data/postmaster.pid") as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def sql(self, db, statement):
        env = dict(os.environ, PGPASSWORD=self.password, PGCONNECT_TIMEOUT="5")
        return procs.run_quiet(["psql", "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", db,
                                "-qtAX", "-c", statement], timeout=30, env=env)

    def jdbc_env(self):
        return {"SBC_JOURNAL": "postgres", "SBC_JDBC_URL": f"jdbc:postgresql://127.0.0.1:{self.port}/sbc",
                "SBC_JDBC_USER": "sbc", "SBC_JDBC_PASSWORD": "sbc"}


class SbcNode(Target):
    """One node JVM started from the fat jar, its own ports and data dir; H2 or a private PostgreSQL."""
    kind = "sbc"

    def __init__(self, sup, ports, work, jar, next_hop, heap="1g", java_opts=(), journal="h2", extra_env=None):
        super().__init__()
        self.sup, self.ports, self.work, self.jar = sup, ports, work, jar
        self.next_hop, self.heap, self.java_opts, self.journal = next_hop, heap, list(java_opts), journal
        self.extra_env = extra_env or {}
        self.label = f"SBC, 1 node ({journal} journal, heap {heap})"
        self.sip_port = ports.pick()
        self.http_port = ports.pick()
        self.cluster_port = ports.pick()
        self.address = f"127.0.0.1:{self.sip_port}"
        self.pg = None

    def start(self):
        env = dict(os.environ)
        if self.journal == "postgres":
            self.pg = PrivatePostgres(self.sup, os.path.join(self.work, "pg"), self.ports.pick())
            self.pg.start()
            env.update(self.pg.jdbc_env())
            self.infra_meters["postgresql"] = procs.CpuMeter(self.pg.pid, with_tree=True)
        else:
            env["SBC_JOURNAL"] = "h2"
        data = os.path.join(self.work, "node-data")
        os.makedirs(data, exist_ok=True)
        env.update({"SBC_SIP_HOST": "127.0.0.1", "SBC_SIP_PORT": str(self.sip_port), "SBC_NEXT_HOP": self.next_hop,
                    "SBC_HTTP_HOST": "127.0.0.1", "SBC_HTTP_PORT": str(self.http_port),
                    "SBC_CLUSTER_HOST": "127.0.0.1", "SBC_CLUSTER_PORT": str(self.cluster_port),
                    "SBC_DATA_DIR": data, "SBC_SEED_NODES": ""})
        env.update(self.extra_env)
        cmd = ["java", f"-Xms{self.heap}", f"-Xmx{self.heap}"] + self.java_opts + ADD_OPENS + ["-jar", self.jar]
        node_log = os.path.join(self.work, "node.log")
        self.logs.append(node_log)
        log(f"starting node: SIP {self.address}, HTTP {self.http_port}, journal {self.journal}, next hop {self.next_hop}")
        proc = self.sup.spawn("node", cmd, log_path=node_log, env=env, grace=30)
        self.meters["node"] = procs.CpuMeter(proc.pid)
        self.java_pids["node"] = proc.pid
        wait_ready(self, {"node": self.http_port}, {"node": proc.pid}, 180)

    def memory_mb(self):
        code, text = http_get(f"http://127.0.0.1:{self.http_port}/metrics")
        heap, _ = parse_metrics(text) if code == 200 else (None, None)
        return {"node": heap / 1048576} if heap is not None else {}

    def metrics_text(self):
        code, text = http_get(f"http://127.0.0.1:{self.http_port}/metrics")
        return text if code == 200 else ""

    def active_calls(self):
        _, active = parse_metrics(self.metrics_text())
        return active

    def sample(self):
        heap, active = parse_metrics(self.metrics_text())
        return ({"node": heap / 1048576} if heap is not None else {}), active

    def counters(self):
        return sbc_counters([self.metrics_text()])


def sbc_counters(pages):
    out = {}
    for name in ("sbc_calls_established_total", "sbc_calls_failed_total", "sbc_session_refreshes_sent_total",
                 "sbc_session_legs_refreshed_total", "sbc_sessions_expired_total", "sbc_transaction_timeouts_total",
                 "sbc_retransmissions_sent_total", "sbc_retransmissions_absorbed_total",
                 "sbc_sip_messages_dropped_total", "sbc_calls_refused_overload_total"):
        vals = [metric_value(p, name) for p in pages if p]
        vals = [v for v in vals if v is not None]
        if vals:
            out[name] = sum(vals)
    return out


def wait_ready(target, http_ports, pids, limit_s):
    end = time.monotonic() + limit_s
    pending = dict(http_ports)
    while pending:
        for name, port in list(pending.items()):
            if not procs.alive(pids[name]):
                raise ToolError(f"{name} exited during start-up:\n{target.tail_logs()}")
            code, _ = http_get(f"http://127.0.0.1:{port}/ready")
            if code == 200:
                log(f"{name} ready")
                del pending[name]
        if pending and time.monotonic() > end:
            raise ToolError(f"{', '.join(pending)} not ready within {limit_s} s:\n{target.tail_logs()}")
        time.sleep(0.5)


class SbcCluster(Target):
    """N nodes on a private PostgreSQL behind the Kamailio front, started by deploy/start-cluster.sh
    in the tool's work dir on ports checked free first; every PID it reports is stopped by the tool."""
    kind = "sbc"

    def __init__(self, sup, ports, work, jar, next_hop, n, heap="512m", java_opts=(), extra_env=None):
        super().__init__()
        self.extra_env = extra_env or {}
        self.sup, self.ports, self.work, self.jar, self.next_hop, self.n = sup, ports, work, jar, next_hop, n
        self.heap, self.java_opts = heap, list(java_opts)
        self.label = f"SBC, {n} nodes behind the front (postgres journal, heap {heap} each)"
        self.sip_base = ports.pick(offsets=[100 * i for i in range(n)] + [100 * i + 1 for i in range(n)])
        self.http_base = ports.pick(span=n)
        self.cluster_base = ports.pick(span=n)
        self.pg_port = ports.pick()
        self.front_port = ports.pick(span=2)
        self.address = f"127.0.0.1:{self.front_port}"
        self.dir = os.path.join(work, "cluster")
        self.http_ports = {f"node-{i + 1}": self.http_base + i for i in range(n)}

    def start(self):
        PrivatePostgres.bin_dir()
        if not os.path.exists("/usr/sbin/kamailio"):
            raise ToolError("kamailio not installed (the cluster's front): apt-get install kamailio")
        env = dict(os.environ, SBC_CLUSTER_DIR=self.dir, SBC_PG_PORT=str(self.pg_port),
                   SBC_SIP_BASE_PORT=str(self.sip_base), SBC_SIP_PORT_STEP="100",
                   SBC_HTTP_BASE_PORT=str(self.http_base), SBC_CLUSTER_BASE_PORT=str(self.cluster_base),
                   SBC_NODE_JAR=self.jar, SBC_JAVA_OPTS=" ".join([f"-Xms{self.heap}", f"-Xmx{self.heap}"] + self.java_opts),
                   SBC_FRONT="on", SBC_FRONT_PORT=str(self.front_port), SBC_NEXT_HOP=self.next_hop)
        env.update(self.extra_env)
        os.makedirs(self.dir, exist_ok=True)
        script_log = os.path.join(self.work, "start-cluster.log")
        self.logs = [script_log] + [os.path.join(self.dir, f"node-{i + 1}.log") for i in range(self.n)]
        log(f"starting {self.n} nodes + front with deploy/start-cluster.sh (front {self.address}, "
            f"SIP {self.sip_base}+100*i, HTTP {self.http_base}+i, PostgreSQL {self.pg_port})")
        script = self.sup.spawn("start-cluster.sh", ["bash", os.path.join(REPO, "deploy", "start-cluster.sh"), str(self.n)],
                                log_path=script_log, env=env, tie_to_tool=False)
        try:
            rc = script.wait(timeout=420)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            self._adopt_pids()
            self.sup.stop(script.pid)
        if rc != 0:
            raise ToolError(f"deploy/start-cluster.sh failed (exit {rc}):\n{self.tail_logs()}")
        wait_ready(self, self.http_ports, self.java_pids, 60)
        # the front probes each node once a second: give it time to see them all up
        time.sleep(3)

    def _adopt_pids(self):
        try:
            with open(os.path.join(self.dir, "pids")) as f:
                rows = [ln.split() for ln in f if len(ln.split()) == 2]
        except OSError:
            return
        for name, pid in rows:
            pid = int(pid)
            if name == "pg":
                self.sup.adopt("PostgreSQL", pid, stop_sig=signal.SIGINT, grace=30)
                self.infra_meters["postgresql"] = procs.CpuMeter(pid, with_tree=True)
            elif name == "front":
                self.sup.adopt("front (Kamailio)", pid, grace=10)
                self.infra_meters["front"] = procs.CpuMeter(pid, with_tree=True)
            else:
                self.sup.adopt(name, pid, grace=30)
                self.meters[name] = procs.CpuMeter(pid)
                self.java_pids[name] = pid

    def pages(self):
        out = []
        for port in self.http_ports.values():
            code, text = http_get(f"http://127.0.0.1:{port}/metrics")
            out.append(text if code == 200 else "")
        return out

    def memory_mb(self):
        res = {}
        for name, port in self.http_ports.items():
            code, text = http_get(f"http://127.0.0.1:{port}/metrics")
            heap, _ = parse_metrics(text) if code == 200 else (None, None)
            if heap is not None:
                res[name] = heap / 1048576
        return res

    def active_calls(self):
        vals = [parse_metrics(p)[1] for p in self.pages()]
        vals = [v for v in vals if v is not None]
        return sum(vals) if vals else None

    def sample(self):
        mem, active = {}, []
        for name, page in zip(self.http_ports, self.pages()):
            heap, act = parse_metrics(page)
            if heap is not None:
                mem[name] = heap / 1048576
            if act is not None:
                active.append(act)
        return mem, (sum(active) if active else None)

    def counters(self):
        return sbc_counters(self.pages())


class Kamailio(Target):
    """Kamailio (Debian package kamailio) with loadtests/kamailio/kamailio-b2b-bench.cfg on its own port."""
    kind = "kamailio"

    def __init__(self, sup, ports, work, callee_uri, workers=4, shm_mb=512):
        super().__init__()
        self.sup, self.work, self.callee_uri, self.workers, self.shm_mb = sup, work, callee_uri, workers, shm_mb
        self.port = ports.pick()
        self.address = f"127.0.0.1:{self.port}"
        self.ctl = os.path.join(work, "kamailio-ctl")
        self.version = "?"
        self.label = "Kamailio"

    def start(self):
        exe = "/usr/sbin/kamailio"
        if not os.path.exists(exe):
            raise ToolError("kamailio not installed: apt-get install kamailio")
        _, out = procs.run_quiet([exe, "-v"], timeout=10)
        m = re.search(r"kamailio (\S+)", out)
        self.version = m.group(1) if m else "?"
        self.label = f"Kamailio {self.version} (tm + rr + dialog, {self.workers} workers)"
        os.makedirs(self.work, exist_ok=True)
        klog = os.path.join(self.work, "kamailio.log")
        self.logs.append(klog)
        cmd = [exe, "-DD", "-E", "-f", KAMAILIO_CFG, "-Y", self.work, "-P", os.path.join(self.work, "kamailio.pid"),
               "-m", str(self.shm_mb), "-M", "16",
               "-A", "LISTEN_IP=127.0.0.1", "-A", f"LISTEN_PORT={self.port}",
               "-A", f'CALLEE_URI="{self.callee_uri}"', "-A", f'CTL_SOCKET="unix:{self.ctl}"',
               "-A", f"WORKERS={self.workers}"]
        log(f"starting {self.label} on {self.address}, new calls to {self.callee_uri}")
        proc = self.sup.spawn("kamailio", cmd, log_path=klog, grace=10)
        self.meters["kamailio"] = procs.CpuMeter(proc.pid, with_tree=True)
        end = time.monotonic() + 20
        while procs.port_free(self.port) or not os.path.exists(self.ctl):
            if proc.poll() is not None:
                raise ToolError(f"kamailio exited during start-up:\n{self.tail_logs()}")
            if time.monotonic() > end:
                raise ToolError(f"kamailio not listening on {self.address} after 20 s:\n{self.tail_logs()}")
            time.sleep(0.2)
        log("kamailio ready")

    def _kamcmd(self, *args):
        if not shutil.which("kamcmd") and not os.path.exists("/usr/sbin/kamcmd"):
            return ""
        rc, out = procs.run_quiet(["/usr/sbin/kamcmd", "-s", f"unix:{self.ctl}"] + list(args), timeout=5)
        return out if rc == 0 else ""

    def memory_mb(self):
        m = re.search(r"used:\s*(\d+)", self._kamcmd("core.shmmem"))
        return {"kamailio shm": int(m.group(1)) / 1048576} if m else {}

    def active_calls(self):
        m = re.search(r"active:\s*(\d+)", self._kamcmd("dlg.stats_active"))
        return float(m.group(1)) if m else None


class External(Target):
    """A SIP server the tool did not start: only the address, and optionally its PID and /metrics."""
    kind = "external"

    def __init__(self, address, pid=None, metrics_url=None):
        super().__init__()
        self.address = address
        self.label = f"SIP server at {address}"
        self.metrics_url = metrics_url
        if pid:
            if not procs.alive(pid):
                raise ToolError(f"--target-pid {pid}: no such process")
            self.meters["target"] = procs.CpuMeter(pid, with_tree=True)
            try:
                with open(f"/proc/{pid}/comm") as f:
                    if f.read().strip() == "java":
                        self.java_pids["target"] = pid
            except OSError:
                pass

    def _page(self):
        if not self.metrics_url:
            return ""
        code, text = http_get(self.metrics_url)
        return text if code == 200 else ""

    def memory_mb(self):
        heap, _ = parse_metrics(self._page())
        return {"target": heap / 1048576} if heap is not None else {}

    def active_calls(self):
        return parse_metrics(self._page())[1]

    def counters(self):
        return sbc_counters([self._page()])
