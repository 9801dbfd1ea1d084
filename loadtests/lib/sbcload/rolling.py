"""sbc-load rolling-upgrade: three nodes behind the front under a steady load of long calls (probed
once a second, refreshed by the SBC every 10 s), every node in turn

  drained as Kubernetes' preStop does (deploy/prestop-drain.sh with the node's environment:
  POST /sbc/drain, then SBC_PRESTOP_WAIT seconds), SIGTERM, its exit waited for (at most
  --stop-timeout, then SIGKILL, as compose's stop_grace_period), started again as a fresh JVM with
  the same environment (SBC_APP_VERSION = --app-version when given), /ready and 3 members Up
  waited for, --settle seconds, the next node.

Then the callers stop placing calls (SIGUSR1) and the calls in progress end. PASS = every node
restarted and back, no call failed, no established call dropped.
"""

import signal
import time

from .drillkit import NodeSampler, drill_config, warm_up
from .drillcluster import DrillCluster
from .procs import ToolError, log


def run_rolling(drill, a, jar):
    sup, ports = drill.sup, drill.ports
    callee_port, drill.warm_port = ports.pick(), ports.pick()
    conf = drill_config(drill.work, [("warm.", f"sip:127.0.0.1:{drill.warm_port}")])
    c = drill.cluster = DrillCluster(sup, ports, drill.work, jar, a.topology, f"sip:127.0.0.1:{callee_port}",
                                     heap=a.heap, java_opts=[f"-Dconfig.file={conf}"],
                                     extra_env={"SBC_SESSION_EXPIRES": "20s", "SBC_MIN_SE": "10s"})
    order = [c.nodes[int(i) - 1] for i in a.nodes.split(",")]
    res = {"differences": c.differences, "topology": c.describe(), "order": [n.name for n in order], "restarts": []}
    log(f"starting the cluster: {c.describe()}")
    c.start()
    drill.mark("cluster up", "ready")
    drill.sampler = NodeSampler(c)
    drill.sampler.start()
    warm_uas, res["warmup"] = warm_up(drill)

    # a bound on the whole roll: per node preStop + stop + start + settle, generously
    per_node = a.prestop_wait + a.stop_timeout + 240 + 120 + a.settle
    budget = a.lead + len(order) * per_node + a.hold
    rates = [a.rate // 3 + (1 if i < a.rate % 3 else 0) for i in range(3)]
    uas = drill.sipp("uas", "drill_uas_failover.xml", ["-timeout", f"{budget + a.hold + 120}s",
                                                      "-default_behaviors", "all,-abortunexp"], port=callee_port)
    time.sleep(0.5)
    callers = []
    fport = c.front_addr.split(":")[1]
    for i, r in enumerate(rates):
        if r == 0:
            continue
        callers.append(drill.sipp(f"uac-{i + 1}", "drill_uac_failover.xml",
                                  ["-aa", "-r", str(r), "-m", str(r * budget), "-l", str(r * (a.hold + 30) + 50),
                                   "-set", "probes", str(a.hold), "-set", "move_port", fport,
                                   "-default_behaviors", "all,-abortunexp", "-recv_timeout", "70000",
                                   "-timeout", f"{budget + a.hold + 90}s", c.front_addr]))
    drill.mark(f"load: {a.rate} calls/s through the front {c.front_addr}, each held {a.hold} s", "start")
    _steady(drill, callers, a.lead)
    version = a.app_version
    for n in order:
        r = {"node": n.name}
        r["entities_before"] = c.entities(n)
        drill.mark(f"drain {n.name} (preStop)", "drain")
        rc, out = c.drain(n, a.prestop_wait)
        r["drain"] = (out.splitlines()[0] if out else f"exit {rc}")[:60]
        t = time.time()
        c.kill(n, signal.SIGTERM)
        drill.mark(f"SIGTERM {n.name}", "sigterm")
        code = c.wait_exit(n, a.stop_timeout)
        if code is None:
            drill.mark(f"{n.name} still running {a.stop_timeout} s after SIGTERM: SIGKILL", "kill")
            c.kill(n, signal.SIGKILL)
            code = c.wait_exit(n, 10)
        r["exit_ms"] = int((time.time() - t) * 1000)
        r["exit"] = code
        drill.mark(f"{n.name} exited ({code})", "exit")
        c.forget(n)
        others = [m for m in c.nodes if m is not n]
        try:
            c.wait_members(2, 60, among=others)
        except ToolError as e:
            log(f"WARNING: {e}")
        extra = {"SBC_APP_VERSION": version} if version else {}
        t = time.time()
        c.start_node(n, extra)
        drill.mark(f"start {n.name}" + (f" (app-version {version})" if version else ""), "start-node")
        c.wait_ready([n], 240)
        r["ready_ms"] = int((time.time() - t) * 1000)
        drill.mark(f"{n.name} ready", "ready")
        t = time.time()
        r["app_version"] = version or "unchanged"
        try:
            c.wait_members(3, 120)
        except ToolError as e:  # e.g. the restarted node formed a cluster of its own: the drill's finding
            r["up_ms"], r["entities_after"] = None, c.entities(n)
            res["restarts"].append(r)
            res["problem"] = str(e)
            drill.mark(f"{n.name} not back in the cluster within 120 s", "kill")
            break
        r["up_ms"] = int((time.time() - t) * 1000)
        _steady(drill, callers, a.settle)
        r["entities_after"] = c.entities(n)
        res["restarts"].append(r)
        log(f"{n.name}: exit after {r['exit_ms']} ms ({code}), ready {r['ready_ms']} ms after its start")
    for s in callers:
        s.quit_gracefully()
    drill.mark("callers stop placing calls", "done")
    end = time.time() + a.hold + 90
    last = 0
    while any(s.alive() for s in callers) and time.time() < end:
        if time.time() - last > 10:
            _progress(callers)
            last = time.time()
        time.sleep(0.5)
    for s in callers:
        s.wait(5)
    time.sleep(2)
    for s in (uas, warm_uas):
        s.stop()
    drill.sampler.stop()
    tot = {"created": 0, "answered": 0, "completed": 0, "failed": 0, "dropped": 0, "retried": 0, "refreshes": 0}
    rows = []
    for s in callers:
        row = {"name": s.name, "created": s.stat("TotalCallCreated"), "answered": s.answered(),
               "completed": s.stat("SuccessfulCall(C)"), "failed": s.stat("FailedCall(C)"),
               "retried": s.count_lines(r"^retried-503 "), "refreshes": s.stat("AutoAnswered(C)")}
        row["dropped"] = max(row["answered"] - row["completed"], 0)
        rows.append(row)
        for k in tot:
            tot[k] += row[k]
    res["callers"], res["totals"] = rows, tot
    res["pass"] = (not res.get("problem") and len(res["restarts"]) == len(order) and tot["failed"] == 0 and tot["dropped"] == 0
                   and tot["completed"] > 0 and tot["completed"] == tot["created"])
    if not res["pass"]:
        res["errors"] = {s.name: s.errors() for s in callers + [uas]}
    return res


def _steady(drill, callers, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if not any(s.alive() for s in callers):
            raise ToolError("every SIPp caller exited early:\n" + "\n".join(
                f"{s.name}: {m}" for s in callers for m, _ in s.errors(2)))
        time.sleep(min(1.0, max(end - time.time(), 0)))
    _progress(callers)


def _progress(callers):
    log(f"calls: {sum(s.stat('TotalCallCreated') for s in callers):,} placed, "
        f"{sum(s.stat('SuccessfulCall(C)') for s in callers):,} completed, "
        f"{sum(s.stat('FailedCall(C)') for s in callers)} failed, "
        f"{sum(s.stat('CurrentCall') for s in callers):,} in progress")
