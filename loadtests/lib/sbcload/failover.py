"""sbc-load failover: three nodes behind the front, established calls probed once a second, one
node killed with kill -9 (the drill of issue 13, formerly loadtests/failover-drill.sh).

Steps: PostgreSQL, front, 3 nodes (SBC_SESSION_EXPIRES --session-expires, SBC_MIN_SE 10s, a config
file with sbc.call.linger = 2s and the routes "silent." and "warm."); warm-up; callee
drill_uas_failover.xml, three callers drill_uac_failover.xml to the front (20 calls/s each, each
call probed with an in-dialog OPTIONS once a second for --hold s, then re-INVITE and BYE), 30 silent
calls (timer_uac_wait_bye.xml -> route silent. -> timer_uas_short_silent.xml -set se 24: the callee
never refreshes, the SBC must BYE both legs at the persisted deadline); once every call reached the
callee (bounded) the victim is killed with kill -9; then every SIPp is waited for (bounded).

PASS = no confirmed call lost (every caller call that got its 200 completed re-INVITE and BYE;
every silent call got a BYE on both legs) and the slowest call of the dead node (entity on the
victim: its A Call-ID in a survivor's "recovered" log line; or more than 2.5 s without an answered
probe) answered a probe within --goal-ms of the kill.
"""

import os
import re
import signal
import time

from .drillkit import Drill, NodeSampler, drill_config, warm_up
from .drillcluster import DrillCluster
from .procs import log

RATE = 20          # calls/s per caller
SILENT_CALLS = 30
SILENT_SE = 24


def _day_ms(clock):
    h, m, s, ms = re.split(r"[:.]", clock)
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def lines_after(path, pattern, kill_epoch):
    """Lines of a node log (time stamp HH:mm:ss.SSS first) logged at or after the kill, with ms after it."""
    lt = time.localtime(kill_epoch)
    k = ((lt.tm_hour * 60 + lt.tm_min) * 60 + lt.tm_sec) * 1000 + int((kill_epoch % 1) * 1000)
    out = []
    try:
        with open(path, errors="replace") as f:
            for ln in f:
                if pattern not in ln or not re.match(r"\d\d:\d\d:\d\d\.\d{3}", ln):
                    continue
                ms = _day_ms(ln[:12]) - k
                if ms < -43200000:
                    ms += 86400000
                if ms >= 0:
                    out.append((ms, ln.rstrip("\n")))
    except OSError:
        pass
    return out


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int((len(s) - 1) * p + 0.5))]


def run_failover(drill, a, jar):
    """The drill; returns the result dict the report is written from."""
    sup, ports = drill.sup, drill.ports
    callee_port, silent_port, drill.warm_port = ports.pick(), ports.pick(), ports.pick()
    conf = drill_config(drill.work, [("silent.", f"sip:127.0.0.1:{silent_port}"),
                                     ("warm.", f"sip:127.0.0.1:{drill.warm_port}")])
    c = drill.cluster = DrillCluster(sup, ports, drill.work, jar, a.topology, f"sip:127.0.0.1:{callee_port}",
                                     heap=a.heap, java_opts=[f"-Dconfig.file={conf}"],
                                     extra_env={"SBC_SESSION_EXPIRES": a.session_expires, "SBC_MIN_SE": "10s"})
    res = {"differences": c.differences, "topology": c.describe(), "calls": a.calls, "hold": a.hold,
           "goal_ms": a.goal_ms, "rate": RATE * 3, "silent_calls": SILENT_CALLS}
    log(f"starting the cluster: {c.describe()}")
    c.start()
    drill.mark("cluster up", "ready")
    drill.sampler = NodeSampler(c)
    drill.sampler.start()
    warm_uas, res["warmup"] = warm_up(drill)

    per = [a.calls // 3 + (1 if i < a.calls % 3 else 0) for i in range(3)]
    uac_timeout = max(per) // RATE + a.hold + 100
    invites0 = {n.name: c.invites_in(n) for n in c.nodes}
    front = c.front_addr
    silent_uas = drill.sipp("silent-uas", "timer_uas_short_silent.xml",
                            ["-m", str(SILENT_CALLS), "-set", "se", str(SILENT_SE), "-l", str(SILENT_CALLS + 10),
                             "-timeout", f"{uac_timeout + 30}s"], port=silent_port)
    uas = drill.sipp("uas", "drill_uas_failover.xml",
                     ["-l", str(a.calls + 50), "-timeout", f"{uac_timeout + 30}s", "-default_behaviors", "all,-abortunexp"],
                     port=callee_port)
    time.sleep(0.5)
    silent = drill.sipp("silent-uac", "timer_uac_wait_bye.xml",
                        ["-s", "silent.1", "-m", str(SILENT_CALLS), "-r", str(SILENT_CALLS), "-l", str(SILENT_CALLS + 10),
                         "-timeout", f"{uac_timeout}s", front])
    drill.mark(f"drill: {a.calls} calls at {RATE * 3} calls/s through the front {front}, hold {a.hold} s", "start")
    setup_start = time.time()
    callers = []
    for i, n in enumerate(per):
        fport = front.split(":")[1]
        callers.append(drill.sipp(f"uac-{i + 1}", "drill_uac_failover.xml",
                                  ["-aa", "-m", str(n), "-r", str(RATE), "-l", str(n + 10), "-set", "probes", str(a.hold),
                                   "-set", "move_port", fport, "-default_behaviors", "all,-abortunexp",
                                   "-recv_timeout", "70000", "-timeout", f"{uac_timeout}s", front]))
    # every call reached the callee (or failed already) and the silent ones are answered; at most the
    # sending time plus a third of the hold: the kill must fall early in the hold
    limit = time.time() + max(per) / RATE + a.hold / 3.0
    last_log = 0
    while True:
        at_uas = uas.count_lines(r"^call-id ")
        failed = sum(s.stat("FailedCall(C)") for s in callers)
        silent_up = silent.answered()
        if at_uas + failed >= a.calls and silent_up >= SILENT_CALLS:
            break
        if time.time() > limit:
            log(f"WARNING: only {at_uas}/{a.calls} calls reached the callee ({failed} failed), {silent_up}/"
                f"{SILENT_CALLS} silent calls answered; killing now (a third of the hold is over)")
            break
        if time.time() - last_log > 5:
            log(f"set-up: {at_uas}/{a.calls} calls at the callee, {silent_up}/{SILENT_CALLS} silent calls answered")
            last_log = time.time()
        time.sleep(0.2)
    time.sleep(1.5)  # the last ACKs
    res["at_uas_at_kill"] = uas.count_lines(r"^call-id ")
    res["answered_at_kill"] = sum(s.answered() for s in callers)
    invites = {n.name: c.invites_in(n) - invites0[n.name] for n in c.nodes}
    res["invites"] = invites
    if a.victim == "busiest":
        victim = max(c.nodes, key=lambda n: invites[n.name])
        log(f"INVITEs each gateway read: {invites}; the busiest is {victim.name}")
    else:
        victim = c.nodes[int(a.victim) - 1]
    survivors = [n for n in c.nodes if n is not victim]
    res["victim"] = victim.name + (" (the busiest gateway)" if a.victim == "busiest" else "") + \
        (" (the first seed node)" if victim is c.nodes[0] else "")
    res["entities"] = {n.name: c.entities(n) for n in c.nodes}
    woken0 = {n.name: c.metric(n, "sbc_calls_woken_total") for n in survivors}
    expired0 = {n.name: c.metric(n, "sbc_sessions_expired_total") for n in survivors}
    res["load_at_kill"] = open("/proc/loadavg").read().split()[:3]
    log(f"call entities per node: {res['entities']}")
    kill_t = time.time()
    c.kill(victim, signal.SIGKILL)
    drill.mark(f"kill -9 {victim.name} (pid {victim.pid})", "kill")
    c.wait_exit(victim, 10)
    c.forget(victim)

    removed = None
    callers_done = None
    everyone = callers + [silent, silent_uas, uas, warm_uas]
    hard_limit = time.time() + uac_timeout + 40
    last_log = 0
    while True:
        if callers_done is None and not any(s.alive() for s in callers + [silent]):
            callers_done = time.time()
            drill.mark("callers done", "done")
        elif callers_done and time.time() - callers_done > 2:
            for s in (uas, warm_uas):
                if s.alive():
                    s.stop()
        if removed is None:
            up, unr = c.members(survivors[0])
            if up == 2 and unr == 0:
                removed = time.time() - kill_t
                drill.mark(f"{victim.name} removed from the cluster", "removed")
        running = [s for s in everyone if s.alive()]
        if not running and (removed is not None or time.time() - kill_t > 60):
            break
        if time.time() > hard_limit:
            log("WARNING: SIPp still running at the time limit")
            break
        if time.time() - last_log > 10:
            done = sum(s.stat("SuccessfulCall(C)") for s in callers)
            log(f"after the kill: {done}/{a.calls} calls completed, "
                f"{sum(s.stat('FailedCall(C)') for s in callers)} failed, {len(running)} SIPp running")
            last_log = time.time()
        time.sleep(0.25)
    for s in everyone:
        s.wait(10)
    time.sleep(1)  # the survivors' async log appender
    drill.sampler.stop()
    res["kill_t"] = kill_t
    res["removed_ms"] = int(removed * 1000) if removed is not None else None
    res["survivors"] = [n.name for n in survivors]
    _results(drill, a, res, callers, silent, silent_uas, uas, victim, survivors, kill_t, woken0, expired0, setup_start)
    return res


def _results(drill, a, res, callers, silent, silent_uas, uas, victim, survivors, kill_t, woken0, expired0, setup_start):
    c = drill.cluster
    rows = []
    tot = {"answered": 0, "completed": 0, "failed": 0, "lost": 0, "refreshes": 0, "retried": 0}
    for s in callers:
        ans, comp, fail = s.answered(), s.stat("SuccessfulCall(C)"), s.stat("FailedCall(C)")
        lost = max(ans - comp, 0)
        r = {"name": s.name, "calls": None, "answered": ans, "completed": comp, "failed": fail, "lost": lost,
             "refreshes": s.stat("AutoAnswered(C)"), "retried": s.count_lines(r"^retried-503 "),
             "done_ms": int(((s.done_at or time.time()) - kill_t) * 1000)}
        rows.append(r)
        for k in tot:
            tot[k] += r[k]
    res["callers"] = rows
    res["totals"] = tot
    res["failed_setups"] = a.calls - tot["answered"]
    sa = silent.answered()
    bye_a = silent.count_lines(r"^got BYE$")
    bye_b = silent_uas.count_lines(r"^got BYE$")
    res["silent"] = {"answered": sa, "bye_caller": bye_a, "bye_callee": bye_b, "failed": silent.stat("FailedCall(C)"),
                     "lost": max(sa - min(bye_a, bye_b), 0),
                     "done_ms": int(((silent.done_at or time.time()) - setup_start) * 1000)}
    res["lost"] = tot["lost"] + res["silent"]["lost"]
    res["reinvites"] = uas.count_lines(r"^got INVITE failover-refresh sdp=yes$")
    res["uas_updates"] = uas.count_lines(r"^got UPDATE ")
    logs = {n.name: c.node_log(n) for n in survivors}
    moved = set()
    rec = []
    for p in logs.values():
        for ms, ln in lines_after(p, " recovered: A ", kill_t):
            rec.append(ms)
            m = re.search(r" recovered: A (\S+) / B ", ln)
            if m:
                moved.add(m.group(1))
    res["recovered"] = {"n": len(rec), "first": min(rec) if rec else None, "last": max(rec) if rec else None}
    exp = {}
    for p in logs.values():
        for _, ln in lines_after(p, "no session refresh on leg", kill_t):
            m = re.search(r"no session refresh on leg ([AB]) .*refresher: ([A-Za-z]+)\)", ln)
            if m:
                exp[f"{m.group(1)}/{m.group(2)}"] = exp.get(f"{m.group(1)}/{m.group(2)}", 0) + 1
    res["expiries"] = ", ".join(f"{k} {v}" for k, v in sorted(exp.items())) or "none"
    res["rehomed"] = sum(len(lines_after(p, "re-homed", kill_t)) for p in logs.values())
    # per call: the first probe answered at or after the kill
    first, seen, ok, lost = {}, set(), 0, 0
    for s in callers:
        for ln in s.log_lines(r"^probe-ok "):
            f = ln.split()
            t = float(f[2]) + float(f[3]) / 1e6
            seen.add(f[1])
            ok += 1
            if t >= kill_t and (f[1] not in first or t - kill_t < first[f[1]]):
                first[f[1]] = t - kill_t
        lost += s.count_lines(r"^probe-lost ")
    groups = {"moved": [], "interrupted": [], "other": []}
    totals = {"moved": 0, "interrupted": 0, "other": 0}
    for cid in seen:
        v = first.get(cid)
        g = "moved" if cid in moved else ("interrupted" if v is not None and v > 2.5 else "other")
        totals[g] += 1
        if v is not None:
            groups[g].append(int(v * 1000))
    res["probes"] = {"ok": ok, "lost": lost}
    res["recovery"] = {g: {"calls": totals[g], "answered": len(v), "first": min(v) if v else None,
                           "p50": pct(v, 0.5), "p90": pct(v, 0.9), "p99": pct(v, 0.99), "last": max(v) if v else None}
                       for g, v in groups.items()}
    dead = groups["moved"] + groups["interrupted"]
    res["slowest_ms"] = max(dead) if dead else None
    res["node_metrics"] = {n.name: {"calls_woken": _delta(c.metric(n, "sbc_calls_woken_total"), woken0[n.name]),
                                    "sessions_expired": _delta(c.metric(n, "sbc_sessions_expired_total"), expired0[n.name]),
                                    "transaction_timeouts": c.metric(n, "sbc_transaction_timeouts_total")}
                           for n in survivors}
    res["pass"] = (res["lost"] == 0 and tot["answered"] > 0 and sa > 0 and len(groups["moved"]) > 0
                   and res["slowest_ms"] is not None and res["slowest_ms"] <= a.goal_ms)
    if not res["pass"]:
        res["errors"] = {s.name: s.errors() for s in callers + [silent, silent_uas, uas]}


def _delta(now, before):
    return None if now is None or before is None else now - before


def check(p, a):
    if a.calls < 3:
        p.error("--calls must be at least 3")
    if a.calls > 3000:
        p.error("--calls at most 3000 (one machine)")
    if not 5 <= a.hold <= 600:
        p.error("--hold between 5 and 600 s")
    if not re.fullmatch(r"\d+(s|m|min)?", a.session_expires):
        p.error("--session-expires: e.g. 30s or 1800s")
    if a.victim not in ("1", "2", "3", "busiest"):
        p.error("--victim must be 1, 2, 3 or busiest")
    if a.goal_ms <= 0:
        p.error("--goal-ms must be > 0")

