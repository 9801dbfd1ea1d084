"""The drills' cluster: three nodes on a private PostgreSQL behind the Kamailio front, each node a
plain JVM started through deploy/start-node.sh (the image's entrypoint) that the drill can kill,
drain (deploy/prestop-drain.sh, as Kubernetes' preStop does), stop and start again with the same
environment.

topology compose: deploy/compose.yaml mapped onto 127.29.53.0/24 (compose.py), its fixed ports;
topology local:   everything on 127.0.0.1, ports picked free, the same variables the compose file
                  sets (seed nodes, front, journal, secrets as files).
"""

import json
import os
import re
import secrets as pysecrets
import signal
import socket
import subprocess
import time

from . import procs
from .procs import ToolError, log
from .targets import REPO, PrivatePostgres, http_get, parse_metrics

START_NODE = os.path.join(REPO, "deploy", "start-node.sh")
PRESTOP = os.path.join(REPO, "deploy", "prestop-drain.sh")
START_FRONT = os.path.join(REPO, "deploy", "front", "start-front.sh")


def bindable(host, port, kinds=(socket.SOCK_STREAM, socket.SOCK_DGRAM)):
    """host:port free for TCP and UDP (the drill's fixed compose ports)."""
    for kind in kinds:
        s = socket.socket(socket.AF_INET, kind)
        try:
            if kind == socket.SOCK_STREAM:  # a TIME_WAIT left by an earlier run blocks nothing
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


class Node:
    def __init__(self, name, env, sip, http, cluster):
        self.name, self.env = name, env
        self.sip, self.http, self.cluster = sip, http, cluster  # (host, port)
        self.pid = None
        self.proc = None
        self.meter = None
        self.starts = 0

    @property
    def http_url(self):
        return f"http://{self.http[0]}:{self.http[1]}"

    def get(self, path, timeout=2.0):
        code, text = http_get(self.http_url + path, timeout)
        return text if code == 200 else None


class DrillCluster:
    def __init__(self, sup, ports, work, jar, topology, callee_uri, heap="512m", extra_env=None, java_opts=()):
        self.sup, self.ports, self.work, self.jar = sup, ports, work, jar
        self.topology, self.callee_uri, self.heap = topology, callee_uri, heap
        self.extra_env = dict(extra_env or {})
        self.java_opts = list(java_opts)
        self.nodes = []
        self.front_addr = None
        self.front_pid = None
        self.pg = None
        self.differences = []
        self.logdir = os.path.join(work, "cluster")
        os.makedirs(self.logdir, exist_ok=True)
        self.plan = None
        if topology == "compose":
            self._plan_compose()
        else:
            self._plan_local()

    # ------------------------------------------------------------ layouts
    def _java_opts(self):
        return " ".join([f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+ExitOnOutOfMemoryError"] + self.java_opts)

    def _plan_compose(self):
        from . import compose
        self.plan = p = compose.Plan(compose.COMPOSE, self.work, self.callee_uri, self.heap)
        busy = []
        for svc in p.nodes:
            pt = p.node_ports(svc)
            for what, port in pt.items():
                if not bindable(p.addr[svc], port):
                    busy.append(f"{p.addr[svc]}:{port} ({svc} {what})")
        fa = p.front_args()
        for port in (int(fa[1]), int(fa[2])):
            if not bindable(fa[0], port):
                busy.append(f"{fa[0]}:{port} (front)")
        pg = p.pg_settings()
        if not bindable(pg["host"], pg["port"]):
            busy.append(f"{pg['host']}:{pg['port']} (postgres)")
        if busy:
            raise ToolError("the compose topology's addresses are in use (another drill? use --topology local): "
                            + ", ".join(busy))
        for svc in p.nodes:
            env = p.env_of(svc)
            pt = p.node_ports(svc)
            host = p.addr[svc]
            http_host = env.get("SBC_HTTP_HOST", "127.0.0.1")
            self.nodes.append(Node(svc, env, (env.get("SBC_SIP_HOST", host), pt["sip"]), (http_host, pt["http"]),
                                   (env.get("SBC_CLUSTER_HOST", host), pt["cluster"])))
        self.front_args = fa
        self.front_args[3] = os.path.join(self.work, "front")
        self.front_addr = f"{fa[0]}:{fa[1]}"
        self.pg_settings = pg
        self.differences = p.differences()

    def _plan_local(self):
        n = 3
        sip = [self.ports.pick() for _ in range(n)]
        http = [self.ports.pick() for _ in range(n)]
        clu = [self.ports.pick() for _ in range(n)]
        front = self.ports.pick(span=2)
        pgport = self.ports.pick()
        sd = os.path.join(self.work, "secrets")
        os.makedirs(sd, exist_ok=True)
        files = {}
        for s in ("admin_token", "db_password", "cluster_secret"):
            files[s] = os.path.join(sd, s)
            with open(files[s], "w") as f:
                f.write(pysecrets.token_urlsafe(18) + "\n")
        with open(files["db_password"]) as f:
            pw = f.read().strip()
        self.pg_settings = {"host": "127.0.0.1", "port": pgport, "user": "sbc", "database": "sbc", "password": pw}
        seeds = ",".join(f"127.0.0.1:{c}" for c in clu)
        for i in range(n):
            env = {"SBC_JOURNAL": "postgres", "SBC_JDBC_URL": f"jdbc:postgresql://127.0.0.1:{pgport}/sbc",
                   "SBC_JDBC_USER": "sbc", "SBC_JDBC_PASSWORD_FILE": files["db_password"],
                   "SBC_ADMIN_TOKEN_FILE": files["admin_token"], "SBC_CLUSTER_SECRET_FILE": files["cluster_secret"],
                   "SBC_SEED_NODES": seeds, "SBC_CLUSTER_HOST": "127.0.0.1", "SBC_CLUSTER_PORT": str(clu[i]),
                   "SBC_SIP_HOST": "127.0.0.1", "SBC_SIP_PORT": str(sip[i]), "SBC_SIP_TLS_PORT": str(sip[i] + 1),
                   "SBC_HTTP_HOST": "127.0.0.1", "SBC_HTTP_PORT": str(http[i]),
                   "SBC_SIP_FRONT": f"127.0.0.1:{front}", "SBC_SIP_FRONT_EGRESS": f"127.0.0.1:{front + 1}",
                   "SBC_TRUSTED_PEERS": "127.0.0.0/8", "SBC_NEXT_HOP": self.callee_uri}
            self.nodes.append(Node(f"sbc{i + 1}", env, ("127.0.0.1", sip[i]), ("127.0.0.1", http[i]),
                                   ("127.0.0.1", clu[i])))
        self.front_args = ["127.0.0.1", str(front), str(front + 1), os.path.join(self.work, "front")] + \
            [f"127.0.0.1:{p}" for p in sip]
        self.front_addr = f"127.0.0.1:{front}"

    # ------------------------------------------------------------ start / stop
    def describe(self):
        return (f"{self.topology} topology: front {self.front_addr}; " +
                ", ".join(f"{n.name} SIP {n.sip[0]}:{n.sip[1]} HTTP {n.http[1]}" for n in self.nodes) +
                f"; PostgreSQL {self.pg_settings['host']}:{self.pg_settings['port']}")

    def start(self, ready_limit=240):
        pg = self.pg_settings
        self.pg = PrivatePostgres(self.sup, os.path.join(self.work, "pg"), pg["port"], host=pg["host"],
                                  password=pg["password"], user=pg["user"], database=pg["database"])
        self.pg.start()
        self.start_front()
        for n in self.nodes:
            self.start_node(n)
        self.wait_ready(self.nodes, ready_limit)
        self.wait_members(3, 120)

    def start_front(self):
        if not os.path.exists("/usr/sbin/kamailio"):
            raise ToolError("kamailio not installed (the cluster's front): apt-get install kamailio")
        os.makedirs(self.front_args[3], exist_ok=True)
        env = dict(os.environ, SBC_FRONT_FOREGROUND="on", PATH=os.environ.get("PATH", "") + ":/usr/sbin")
        flog = os.path.join(self.logdir, "front.log")
        proc = self.sup.spawn("front (Kamailio)", ["bash", START_FRONT] + self.front_args, log_path=flog, env=env,
                              grace=10)
        self.front_pid = proc.pid
        host, port = self.front_addr.split(":")
        end = time.monotonic() + 20
        while bindable(host, int(port), (socket.SOCK_DGRAM,)):
            if proc.poll() is not None:
                raise ToolError("the front exited during start-up:\n" + _tail(flog))
            if time.monotonic() > end:
                raise ToolError(f"the front is not listening on {self.front_addr} after 20 s:\n" + _tail(flog))
            time.sleep(0.2)
        log(f"front (Kamailio, pid {proc.pid}) on {self.front_addr}, nodes {' '.join(self.front_args[4:])}")

    def node_env(self, n, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("SBC_")}
        env.update(n.env)
        env["SBC_NODE_JAR"] = self.jar
        env["SBC_DATA_DIR"] = os.path.join(self.work, "data-" + n.name)
        env["SBC_JAVA_OPTS"] = self._java_opts()
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def start_node(self, n, extra=None):
        env = self.node_env(n, extra)
        os.makedirs(env["SBC_DATA_DIR"], exist_ok=True)
        n.starts += 1
        n.proc = self.sup.spawn(n.name, ["bash", START_NODE], log_path=self.node_log(n), env=env, grace=60)
        n.pid = n.proc.pid
        n.meter = procs.CpuMeter(n.pid)
        n.started_env = env
        log(f"{n.name} started (pid {n.pid}, SIP {n.sip[0]}:{n.sip[1]})")
        return n.pid

    def node_log(self, n):
        return os.path.join(self.logdir, f"{n.name}.log")

    def wait_ready(self, nodes, limit):
        end = time.monotonic() + limit
        pending = list(nodes)
        while pending:
            for n in list(pending):
                if n.proc.poll() is not None:
                    raise ToolError(f"{n.name} exited during start-up (status {n.proc.returncode}):\n"
                                    + _tail(self.node_log(n)))
                if n.get("/ready") is not None:
                    log(f"{n.name} ready")
                    pending.remove(n)
            if pending and time.monotonic() > end:
                raise ToolError(f"{', '.join(n.name for n in pending)} not ready within {limit} s:\n"
                                + "\n".join(_tail(self.node_log(n)) for n in pending))
            time.sleep(0.3)

    def members(self, n):
        """(members Up, unreachable count) as node n sees them; (0, None) when it does not answer."""
        text = n.get("/cluster/members")
        if text is None:
            return 0, None
        up = text.count('"status":"Up"')
        m = re.search(r'"unreachable":\[(.*?)\]', text)
        return up, (len([x for x in m.group(1).split("},") if x.strip()]) if m else 0)

    def wait_members(self, count, limit, among=None):
        among = among or self.nodes
        end = time.monotonic() + limit
        while True:
            seen = [self.members(n) for n in among]
            if all(up == count and unr == 0 for up, unr in seen):
                log(f"cluster: {count} members Up, none unreachable (as {', '.join(n.name for n in among)} see it)")
                return
            if time.monotonic() > end:
                raise ToolError(f"cluster did not reach {count} members Up within {limit} s: "
                                + ", ".join(f"{n.name} sees {u} Up, {r} unreachable" for n, (u, r) in zip(among, seen)))
            time.sleep(0.5)

    def kill(self, n, sig=signal.SIGKILL):
        os.kill(n.pid, sig)

    def wait_exit(self, n, limit):
        """Exit status, or None when still running after limit seconds."""
        try:
            return n.proc.wait(limit)
        except subprocess.TimeoutExpired:
            return None

    def forget(self, n):
        """A node that exited: its supervisor entry goes (it is started again under a new PID)."""
        self.sup.stop(n.pid)

    def drain(self, n, wait_s=5):
        """deploy/prestop-drain.sh with the node's environment, as the preStop hook runs it."""
        env = dict(n.started_env, SBC_PRESTOP_WAIT=str(wait_s))
        rc, out = procs.run_quiet(["bash", PRESTOP], timeout=wait_s + 30, env=env)
        return rc, out.strip()

    # ------------------------------------------------------------ what the nodes say
    def metrics(self, n):
        return n.get("/metrics", timeout=1.0) or ""

    def sample(self):
        """{node: {"active", "heap_mb", "cpu_s", "up"}} now."""
        out = {}
        kids = procs.children_map()
        for n in self.nodes:
            page = self.metrics(n) if n.proc is not None and n.proc.poll() is None else ""
            heap, active = parse_metrics(page)
            out[n.name] = {"active": active, "heap_mb": heap / 1048576 if heap is not None else None,
                           "cpu_s": n.meter.seconds(kids) if n.meter and n.proc.poll() is None else None,
                           "pid": n.pid}
        return out

    def entities(self, n):
        text = n.get("/cluster/shards/Call", timeout=5) or ""
        return sum(int(x) for x in re.findall(r'"numEntities":(\d+)', text))

    def invites_in(self, n):
        page = self.metrics(n)
        s = 0.0
        for line in page.splitlines():
            if re.match(r"^sbc_sip_messages(_total)?\{", line) and 'direction="in"' in line \
                    and 'kind="request"' in line and 'method="INVITE"' in line:
                s += float(line.split()[-1])
        return int(s)

    def metric(self, n, name):
        m = re.search(r"^" + re.escape(name) + r"(?:\{[^}]*\})?\s+(\S+)", self.metrics(n), re.M)
        return int(float(m.group(1))) if m else None

    def app_version(self, n):
        text = n.get("/cluster/members")
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None


def _tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            return f"--- {path}\n" + "".join(f.readlines()[-n:])
    except OSError:
        return f"--- {path}: missing"
