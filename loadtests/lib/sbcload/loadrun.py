"""`load`: offered call rate ramped in steps, each step one bounded SIPp run of uac.xml against
the server; per step the calls that failed, response times, and the server's CPU per call."""

import os
import time

from . import procs, sipp
from .procs import log
from .sampler import Sampler


# a step passes when no call failed and, while it offered its calls, the server answered at least
# this share of the offered rate (0 failed calls after long retransmission storms is no pass)
KEPT_UP = 0.9
# CPU of other processes (% of one core) above which a step is marked as disturbed
OTHERS_WARN = 15.0


def plan_rates(start, step, maximum):
    rates, r = [], start
    while r <= maximum:
        rates.append(r)
        r += step
    return rates


class Run:
    """One server under one plan: its steps, its time series, what it said at the end."""

    def __init__(self, target):
        self.target = target
        self.steps = []
        self.samples = []     # sampler rows
        self.stat_rows = []   # SIPp -trace_stat rows of every step, tagged with the step
        self.rtt = {1: [], 2: []}
        self.t0 = None
        self.counters = {}
        self.profile = None
        self.notes = []
        self.interrupted = False

    @property
    def short(self):
        return {"sbc": "SBC", "kamailio": "Kamailio"}.get(self.target.kind, "server")

    @property
    def passing(self):
        return [s for s in self.steps if s["pass"]]

    def best(self):
        """The highest passing step below the first one that did not pass (a step passing again above a
        failure is noise at the saturation point, not capacity)."""
        failing = [s["rate"] for s in self.steps if not s["pass"]]
        limit = min(failing) if failing else float("inf")
        p = [s for s in self.passing if s["rate"] < limit]
        return max(p, key=lambda s: s["rate"]) if p else None

    def summary(self):
        b = self.best()
        failing = [s["rate"] for s in self.steps if not s["pass"]]
        return {"target": self.target.label, "kind": self.target.kind, "address": self.target.address,
                "best_rate": b["rate"] if b else None,
                "cpu_ms_per_call_at_best": b["cpu_ms_per_call"] if b else None,
                "first_failing_rate": min(failing) if failing else None,
                "steps": self.steps, "counters": self.counters, "notes": self.notes}


def _uac_extra(hold_ms, lenient=False):
    extra = ["-set", "hold_ms", str(hold_ms)]
    if lenient:
        # a late 180 after the 200 (a proxy's workers may forward them in either order) is ignored
        # instead of aborting the call; the messages are still counted (column "unexpected")
        extra += ["-default_behaviors", "all,-abortunexp"]
    return extra


def run_sipp_bounded(ctx, name, workdir, target_addr, rate, calls, hold_ms, timeout_s, progress_every=5, label="",
                     lenient=False):
    """One SIPp UAC run, waited for (bounded) with a progress line every few seconds; returns exit code."""
    port = ctx.ports.pick()
    media = ctx.ports.pick(span=4)
    limit = int(rate * (hold_ms / 1000.0 + 10)) + 100
    proc = sipp.start_uac(ctx.sup, name, "uac.xml", target_addr, port, media, rate, calls, limit, workdir,
                          timeout_s, extra=_uac_extra(hold_ms, lenient))
    if ctx.sampler:
        ctx.sampler.add_sipp(name, proc.pid)
    t_start = time.monotonic()
    deadline = t_start + timeout_s + 15
    next_print = t_start + progress_every
    rc = None
    while rc is None:
        rc = proc.poll()
        if rc is not None:
            break
        now = time.monotonic()
        if now > deadline:
            log(f"{name}: SIPp still running {timeout_s + 15} s after start: stopping it")
            ctx.sup.stop(proc.pid)
            rc = 124
            break
        if now >= next_print:
            row = sipp.last_row(os.path.join(workdir, "stat.csv"))
            if row:
                log(f"  {label}{now - t_start:4.0f} s: created {row['TotalCallCreated']}/{calls}, "
                    f"ok {row['SuccessfulCall(C)']}, failed {row['FailedCall(C)']}, in progress {row['CurrentCall']}, "
                    f"retransmissions {row['Retransmissions(C)']}")
            next_print = now + progress_every
        time.sleep(0.2)
    ctx.sup.stop(proc.pid)  # reaped; no-op when it exited by itself
    return rc


def run_load(ctx, target, a, tag):
    """Runs the whole plan against `target` (started here, stopped by the caller's supervisor)."""
    run = Run(target)
    base = os.path.join(ctx.work, tag)
    os.makedirs(base, exist_ok=True)
    target.start()
    ctx.start_callee(base)
    hold_s = a.hold_ms / 1000.0

    if a.warmup > 0:
        wrate = min(a.start, a.warmup_rate)
        log(f"warm-up: {wrate} calls/s for {a.warmup} s (not measured: the JIT compiles the hot paths)")
        wdir = os.path.join(base, "warmup")
        rc = run_sipp_bounded(ctx, "SIPp UAC warm-up", wdir, target.address, wrate, wrate * a.warmup, a.hold_ms,
                              a.warmup + hold_s + 40, label="warm-up ", lenient=a.ignore_unexpected)
        row = sipp.last_row(os.path.join(wdir, "stat.csv"))
        if row:
            log(f"warm-up done (SIPp exit {rc}): ok {row['SuccessfulCall(C)']}, failed {row['FailedCall(C)']}")
            run.notes.append(f"warm-up {wrate} calls/s for {a.warmup} s: {row['SuccessfulCall(C)']} ok, "
                             f"{row['FailedCall(C)']} failed (not in the figures)")
        time.sleep(a.settle)

    ctx.sampler = Sampler(target)
    ctx.sampler.add_sipp("SIPp UAS", ctx.callee_pid)
    ctx.sampler.start()
    run.t0 = time.time()
    if a.jfr and target.java_pids:
        from . import profile
        run.profile = profile.JfrSession(target.java_pids, base)
        run.profile.start()
    failing_in_a_row = 0
    rates = plan_rates(a.start, a.step, a.max)
    try:
        for i, rate in enumerate(rates, 1):
            calls = rate * a.step_seconds
            sdir = os.path.join(base, f"step-{i:02d}-{rate}cps")
            log(f"step {i}/{len(rates)}: {rate} calls/s for {a.step_seconds} s ({calls} calls, hold {a.hold_ms} ms) "
                f"-> {target.address}")
            jit0 = _jit(target)
            kids = procs.children_map()
            cpu0 = sum(m.seconds(kids) for m in target.meters.values())
            infra0 = sum(m.seconds(kids) for m in target.infra_meters.values())
            t_start = time.time()
            rc = run_sipp_bounded(ctx, f"SIPp UAC step {i}", sdir, target.address, rate, calls, a.hold_ms,
                                  a.step_seconds + hold_s + 40, label=f"step {i} ", lenient=a.ignore_unexpected)
            t_end = time.time()
            kids = procs.children_map()
            cpu1 = sum(m.seconds(kids) for m in target.meters.values())
            infra1 = sum(m.seconds(kids) for m in target.infra_meters.values())
            jit1 = _jit(target)
            step = _step_result(i, rate, calls, rc, sdir, t_start, t_end, cpu1 - cpu0, infra1 - infra0,
                                bool(target.meters), run, ctx.sampler)
            step["jit_pct"] = (100.0 * (jit1 - jit0) / step["seconds"]
                               if jit0 is not None and jit1 is not None else None)
            run.steps.append(step)
            log(f"step {i} {rate} cps: ok {step['ok']}/{calls}, failed {step['failed']}, answered {_f(step['answered_cps'])}/s, "
                f"INVITE->100 p99 {_f(step['rtd1_p99'])} ms, INVITE->200 p99 {_f(step['rtd2_p99'])} ms, "
                f"CPU {_f(step['cpu_pct'])} % = {_f(step['cpu_ms_per_call'], 3)} ms/call (JIT {_f(step['jit_pct'])} %)"
                f"{'' if step['pass'] else '  <- ' + step['verdict'].upper()}")
            if step["others_cpu_pct"] is not None and step["others_cpu_pct"] > OTHERS_WARN:
                run.notes.append(f"step {i}: other processes on the machine used {step['others_cpu_pct']:.0f} % CPU "
                                 "(one core = 100 %) while it ran: its figures are not the server's alone")
                log("WARNING: " + run.notes[-1])
            if step["created_cps"] is not None and step["created_cps"] < 0.95 * rate:
                run.notes.append(f"step {i}: SIPp created only {step['created_cps']:.0f} calls/s of {rate} "
                                 "(the caller, on the same cores, fell behind)")
            failing_in_a_row = 0 if step["pass"] else failing_in_a_row + 1
            if a.stop_after and failing_in_a_row >= a.stop_after:
                if i < len(rates):
                    run.notes.append(f"ramp stopped after {failing_in_a_row} failing step(s) in a row "
                                     f"(--stop-after {a.stop_after}); rates not run: {rates[i:]}")
                    log(run.notes[-1])
                break
            if i < len(rates):
                time.sleep(a.settle)
    except KeyboardInterrupt:
        run.interrupted = True
        run.notes.append(f"interrupted (Ctrl-C or SIGTERM) during step {len(run.steps) + 1}: the steps before it are complete")
        log("interrupted: writing the report of the steps done")
    finally:
        if run.profile:
            run.profile.stop()
        ctx.sampler.stop()
        run.samples = ctx.sampler.snapshot()
        ctx.sampler = None
        try:
            run.counters = target.counters()
        except Exception:
            run.counters = {}
    if run.profile:
        run.profile.analyse()
    return run


def _jit(target):
    """JIT compile seconds of the server's JVMs so far (None when it has none or one is unreadable)."""
    vals = [procs.jit_seconds(pid) for pid in target.java_pids.values()]
    return sum(vals) if vals and None not in vals else None


def _f(v, digits=1):
    if v is None:
        return "n/a"
    return f"{v:.{digits}f}"


def _step_result(i, rate, calls, rc, sdir, t_start, t_end, cpu_s, infra_s, measured, run, sampler):
    rows = sipp.read_stat(os.path.join(sdir, "stat.csv"))
    last = rows[-1] if rows else {}
    for r in rows:
        run.stat_rows.append(dict(r, step=i, rate=rate))
    start_epoch = rows[0]["start"] if rows else t_start
    rtt = sipp.read_rtt(sdir, start_epoch)
    for k in (1, 2):
        run.rtt[k].extend(rtt[k])
    ok = last.get("SuccessfulCall(C)", 0)
    failed = last.get("FailedCall(C)", 0)
    created = last.get("TotalCallCreated", 0)
    # the time SIPp took to create all the calls: its real offered rate (it may fall behind)
    created_cps = None
    for r in rows:
        if r["TotalCallCreated"] >= calls and r["t"] > start_epoch:
            created_cps = calls / (r["t"] - start_epoch)
            break
    # 200s received per second while the step offered its calls (calls / rate seconds from SIPp's
    # start): a server that keeps up answers about the offered rate, one that falls behind less
    window = calls / float(rate)
    answered_cps = sum(1 for t, _ in rtt[2] if t <= start_epoch + window) / window
    dt = max(t_end - t_start, 1e-3)
    inside = [s for s in sampler.snapshot() if t_start <= s["t"] <= t_end]
    mem = [sum(s["mem"].values()) for s in inside if s["mem"]]
    # CPU of everything else on the machine while the step ran (another job sharing the cores
    # makes the step's figures worthless): all busy CPU minus the server, what it needs, SIPp
    others = [s["machine"] - sum(s["cpu"].values()) - sum(s["infra"].values()) - s["sipp"]
              for s in inside if s.get("machine") is not None]
    others_pct = max(0.0, sum(others) / len(others)) if others else None
    r1 = [ms for _, ms in rtt[1]]
    r2 = [ms for _, ms in rtt[2]]
    kept_up = answered_cps >= KEPT_UP * rate
    passed = failed == 0 and ok == calls and kept_up and rc == 0
    verdict = "ok" if passed else ("failed calls" if failed or ok != calls else
                                   ("behind" if not kept_up else f"SIPp exit {rc}"))
    return {"verdict": verdict, "kept_up": kept_up, "unexpected": sipp.unexpected_count(sdir),"step": i, "rate": rate, "calls": calls, "created": created, "ok": ok, "failed": failed,
            "retransmissions": last.get("Retransmissions(C)", 0), "sipp_exit": rc,
            "created_cps": created_cps, "answered_cps": answered_cps,
            "rtd1_p50": sipp.percentile(r1, 50), "rtd1_p99": sipp.percentile(r1, 99),
            "rtd2_p50": sipp.percentile(r2, 50), "rtd2_p99": sipp.percentile(r2, 99),
            "seconds": dt, "cpu_s": cpu_s if measured else None,
            "cpu_pct": 100.0 * cpu_s / dt if measured else None,
            "cpu_ms_per_call": (1000.0 * cpu_s / ok) if measured and ok else None,
            "infra_cpu_pct": 100.0 * infra_s / dt if infra_s else None,
            "mem_max_mb": max(mem) if mem else None,
            "others_cpu_pct": others_pct,
            "pass": passed, "t_start": t_start, "t_end": t_end}
