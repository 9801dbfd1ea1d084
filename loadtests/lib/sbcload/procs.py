"""Processes the tool starts, stopped by PID; loopback ports; CPU and memory read from /proc.

Everything started goes through a Supervisor: it remembers each process (or a PID another
launcher reported, such as the nodes of deploy/start-cluster.sh) with the signal that stops it,
and stop_all() ends them newest first: SIGTERM (SIGINT for PostgreSQL's postmaster), a bounded
wait, then SIGKILL. Direct children run in their own session (a Ctrl-C at the terminal reaches
only this tool, which then stops them in order) and get SIGKILL if the tool itself dies.
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(msg):
    print(time.strftime("[sbc-load %H:%M:%S] ") + msg, flush=True)


class ToolError(Exception):
    """A failure to report in one line (bad argument, missing program, process that did not start)."""


# setpriv (util-linux) sets the parent-death signal and execs the program, which keeps its PID:
# the child gets SIGKILL if the tool dies without its cleanup (kill -9). Not preexec_fn: the
# sampler thread runs while processes are started.
SETPRIV = "/usr/bin/setpriv" if os.path.exists("/usr/bin/setpriv") else None


class Supervisor:
    def __init__(self):
        self.entries = []  # (name, pid, stop signal, Popen or None, grace seconds)
        self.stopping = False
        # PR_SET_CHILD_SUBREAPER (36): processes a launcher script left behind (the nodes of
        # deploy/start-cluster.sh) become our children when it exits, so we reap them once stopped
        # instead of leaving zombies to an init that may not.
        try:
            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def spawn(self, name, cmd, log_path=None, cwd=None, env=None, stop_sig=signal.SIGTERM, grace=10.0,
              tie_to_tool=True):
        out = open(log_path, "ab") if log_path else subprocess.DEVNULL
        if tie_to_tool and SETPRIV:
            cmd = [SETPRIV, "--pdeathsig", "KILL", "--"] + list(cmd)
        try:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=cwd, env=env, start_new_session=True)
        except FileNotFoundError as e:
            raise ToolError(f"cannot start {name}: {e}") from e
        finally:
            if log_path:
                out.close()
        self.entries.append((name, proc.pid, stop_sig, proc, grace))
        return proc

    def adopt(self, name, pid, stop_sig=signal.SIGTERM, grace=10.0):
        """A process another launcher started for us (reported by PID): stopped like our own."""
        self.entries.append((name, pid, stop_sig, None, grace))

    def stop(self, pid):
        for i, (name, p, sig, proc, grace) in enumerate(self.entries):
            if p == pid:
                _stop_one(name, p, sig, proc, grace)
                del self.entries[i]
                return

    def stop_all(self):
        if self.stopping:
            return
        self.stopping = True
        # a second Ctrl-C must not cut the cleanup short
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            while self.entries:
                name, pid, sig, proc, grace = self.entries.pop()
                _stop_one(name, pid, sig, proc, grace)
        finally:
            signal.signal(signal.SIGINT, old)
            self.stopping = False
        reap()


def reap():
    """Collects the exit status of any child that has ended (nothing else is waiting for them now)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stop_one(name, pid, sig, proc, grace):
    if proc is not None and proc.poll() is not None:
        return
    if proc is None and not alive(pid):
        return
    log(f"stopping {name} (pid {pid})")
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    end = time.monotonic() + grace
    while time.monotonic() < end:
        if proc is not None:
            if proc.poll() is not None:
                return
        elif not alive(pid):
            return
        time.sleep(0.1)
    log(f"{name} (pid {pid}) still running after {grace:.0f} s: SIGKILL")
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    if proc is not None:
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


def install_signal_handlers():
    """SIGTERM/SIGHUP end the tool like Ctrl-C does: through the finally blocks that stop everything."""
    def to_interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, to_interrupt)
    signal.signal(signal.SIGHUP, to_interrupt)
    # a background job of a non-interactive shell starts with SIGINT ignored: Ctrl-C/kill -INT must still work
    signal.signal(signal.SIGINT, signal.default_int_handler)


# ---------------------------------------------------------------- ports

def port_free(port):
    """True when 127.0.0.1:port can be bound for both UDP and TCP right now."""
    if not 1024 <= port <= 65535:
        return False
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        finally:
            s.close()
    return True


class Ports:
    """Hands out loopback ports that are free now and not handed out before in this run."""

    def __init__(self):
        self.given = set()
        self.rng = __import__("random").Random()

    def check(self, port, what):
        if port in self.given or not port_free(port):
            raise ToolError(f"port {port} ({what}) is in use on 127.0.0.1")
        self.given.add(port)
        return port

    def pick(self, span=1, offsets=None):
        """A base port P with P+o free for every o in offsets (default 0..span-1)."""
        offsets = list(offsets) if offsets is not None else list(range(span))
        for _ in range(300):
            p = self.rng.randrange(20000, 60000 - max(offsets), 2)
            if all(p + o not in self.given and port_free(p + o) for o in offsets):
                self.given.update(p + o for o in offsets)
                return p
        raise ToolError("no free loopback ports found after 300 attempts")


# ---------------------------------------------------------------- /proc

def cpu_ticks(pid):
    """utime+stime of one process in clock ticks; None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pid, kids=None):
    """pid and all its descendants living now."""
    kids = kids if kids is not None else children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE / 1048576
    except OSError:
        return None


class CpuMeter:
    """CPU seconds of a process, or of a process tree, counted across samples.

    A tree (Kamailio's workers, PostgreSQL's backends) changes while it runs: the ticks of every
    member seen are remembered, so a backend that exits does not make the total go down.
    """

    def __init__(self, pid, with_tree=False):
        self.pid = pid
        self.with_tree = with_tree
        self.last = {}

    def seconds(self, kids=None):
        pids = tree(self.pid, kids) if self.with_tree else [self.pid]
        for p in pids:
            t = cpu_ticks(p)
            if t is not None:
                self.last[p] = max(t, self.last.get(p, 0))
        return sum(self.last.values()) / CLK_TCK


def jit_seconds(pid):
    """Seconds the JVM's JIT compilers have spent so far (HotSpot perf counters via jcmd); None if unreadable.

    A JVM compiles for minutes under load (a node here runs some 15,000 compilations), and C2
    then takes a large share of a core: the CPU of a step includes it, this says how much."""
    rc, out = run_quiet(["jcmd", str(pid), "PerfCounter.print"], timeout=20)
    if rc != 0:
        return None
    vals = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    try:
        return int(vals["java.ci.totalTime"]) / int(vals["sun.os.hrt.frequency"])
    except (KeyError, ValueError, ZeroDivisionError):
        return None


def machine_busy_seconds():
    """CPU time all cores spent on anything but idle/iowait since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    total = sum(v[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return (total - v[3] - v[4]) / CLK_TCK


def which(prog):
    for d in os.environ.get("PATH", "/usr/bin:/bin").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, prog)
        if os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def run_quiet(cmd, timeout=60, **kw):
    """A short helper command (jcmd, psql, initdb): (exit code, output); never raises on failure."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                           timeout=timeout, **kw)
        return r.returncode, r.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return 124, f"{cmd[0]} timed out after {timeout} s"
    except FileNotFoundError as e:
        return 127, str(e)


def eprint(msg):
    print(msg, file=sys.stderr, flush=True)
