"""`soak`: N concurrent calls held for T minutes with RFC 4028 refreshes (soak_uac.xml refreshes the
caller's leg by UPDATE, soak_uas.xml makes the server refresh the callee's leg), then heap per call
from the JVM itself: full GC + class histogram + heap used, before the calls, twice while they are
all up, and after they ended."""

import os
import re
import time

from . import procs, sipp
from .loadrun import Run
from .procs import log
from .sampler import Sampler

_HISTO = re.compile(r"^\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)")
_USED = re.compile(r"used\s+(\d+)([KMG])")


def heap_snapshot(java_pids, workdir, tag):
    """Full GC (the class histogram forces one), then the heap used; per JVM: {"used_mb", "classes"}."""
    out = {}
    for name, pid in java_pids.items():
        rc, histo = procs.run_quiet(["jcmd", str(pid), "GC.class_histogram"], timeout=120)
        classes = {}
        if rc == 0:
            with open(os.path.join(workdir, f"histogram-{tag}-{name}.txt"), "w") as fh:
                fh.write(histo)
            for ln in histo.splitlines():
                m = _HISTO.match(ln)
                if m:
                    classes[m.group(3)] = (int(m.group(1)), int(m.group(2)))
        rc2, info = procs.run_quiet(["jcmd", str(pid), "GC.heap_info"], timeout=60)
        used = None
        if rc2 == 0:
            for ln in info.splitlines():
                if "heap" in ln.lower() and "used" in ln and "Metaspace" not in ln and "class space" not in ln:
                    m = _USED.search(ln)
                    if m:
                        used = int(m.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024}[m.group(2)]
                        break
        if used is None and classes:
            used = sum(b for _, b in classes.values()) / 1048576
        out[name] = {"used_mb": used, "classes": classes, "ok": rc == 0 and rc2 == 0,
                     "error": None if rc == 0 and rc2 == 0 else (histo + info)[-300:]}
    return out


def _total(snap):
    vals = [v["used_mb"] for v in snap.values() if v["used_mb"] is not None]
    return sum(vals) if vals else None


def class_growth(before, at, calls, top=15):
    """Classes whose live bytes grew most between two snapshots (all JVMs added), per call."""
    b, a = {}, {}
    for snap, acc in ((before, b), (at, a)):
        for v in snap.values():
            for cls, (n, by) in v["classes"].items():
                pn, pb = acc.get(cls, (0, 0))
                acc[cls] = (pn + n, pb + by)
    rows = []
    for cls, (n, by) in a.items():
        n0, b0 = b.get(cls, (0, 0))
        rows.append((cls, n - n0, by - b0))
    rows.sort(key=lambda r: -r[2])
    return [(cls, dn / calls, db / calls) for cls, dn, db in rows[:top]] if calls else []


def _wait_caller(ctx, proc, udir, a, target, base, marks, result, timeout_s):
    """Waits for the soak caller (bounded), taking the heap snapshots when their time comes."""
    t_start = time.monotonic()
    next_print = t_start + 10
    while True:
        rc = proc.poll()
        if rc is not None:
            break
        el = time.monotonic() - t_start
        if el > timeout_s + 15:
            log("soak caller still running past its time limit: stopping it")
            ctx.sup.stop(proc.pid)
            rc = 124
            break
        for tag, at in list(marks.items()):
            if el >= at:
                del marks[tag]
                row = sipp.last_row(os.path.join(udir, "stat.csv")) or {}
                up = row.get("CurrentCall")
                if target.java_pids:
                    log(f"{tag}: {up} calls in progress: full GC + class histogram")
                    result["snapshots"][tag] = heap_snapshot(target.java_pids, base, tag)
                    result[f"{tag}-calls"] = up
                    result[f"{tag}-server-calls"] = target.active_calls()
        if time.monotonic() >= next_print:
            row = sipp.last_row(os.path.join(udir, "stat.csv"))
            if row:
                snap = ctx.sampler.snapshot()
                mem = snap[-1]["mem"] if snap else {}
                log(f"  {el:5.0f} s: created {row['TotalCallCreated']}/{a.calls}, in progress {row['CurrentCall']}, "
                    f"ok {row['SuccessfulCall(C)']}, failed {row['FailedCall(C)']}, "
                    f"retransmissions {row['Retransmissions(C)']}"
                    + (f", heap {sum(mem.values()):.0f} MB" if mem else ""))
            next_print = time.monotonic() + 10
        time.sleep(0.5)
    ctx.sup.stop(proc.pid)
    return rc


def run_soak(ctx, target, a):
    run = Run(target)
    base = os.path.join(ctx.work, "soak")
    os.makedirs(base, exist_ok=True)
    target.start()
    ctx.start_callee(base)
    refresh_s = a.session_expires / 2.0
    refreshes = max(1, int(round(a.minutes * 60 / refresh_s)))
    hold_s = refreshes * refresh_s
    ramp_s = a.calls / a.rate
    plateau_s = hold_s - ramp_s
    result = {"calls": a.calls, "rate": a.rate, "minutes": a.minutes, "session_expires": a.session_expires,
              "refreshes_per_call": refreshes, "hold_s": hold_s, "ramp_s": ramp_s, "plateau_s": plateau_s,
              "snapshots": {}}
    log(f"soak: {a.calls} calls at {a.rate} calls/s, each held {hold_s:.0f} s with an UPDATE refresh every "
        f"{refresh_s:.0f} s (Session-Expires {a.session_expires} s); all calls up for ~{plateau_s:.0f} s")
    if target.java_pids:
        time.sleep(2)
        log("heap before the calls (full GC + class histogram)")
        result["snapshots"]["before"] = heap_snapshot(target.java_pids, base, "before")
    ctx.sampler = Sampler(target, interval=a.sample_seconds)
    ctx.sampler.add_sipp("SIPp UAS", ctx.callee_pid)
    ctx.sampler.start()
    run.t0 = time.time()
    udir = os.path.join(base, "caller")
    port, media = ctx.ports.pick(), ctx.ports.pick(span=4)
    timeout_s = ramp_s + hold_s + 120
    extra = ["-set", "se", str(a.session_expires), "-set", "refresh_ms", str(int(refresh_s * 1000)),
             "-set", "refreshes", str(refreshes)]
    proc = sipp.start_uac(ctx.sup, "SIPp UAC soak", "soak_uac.xml", target.address, port, media, a.rate, a.calls,
                          a.calls + 100, udir, timeout_s, extra=extra)
    ctx.sampler.add_sipp("SIPp UAC", proc.pid)
    marks = {"plateau-1": ramp_s + plateau_s / 3.0, "plateau-2": ramp_s + plateau_s * 5.0 / 6.0}
    rc = None
    try:
        rc = _wait_caller(ctx, proc, udir, a, target, base, marks, result, timeout_s)
        if target.java_pids and a.after_wait > 0:
            log(f"calls ended; waiting {a.after_wait} s (the server keeps ended calls for retransmissions), then the heap")
            time.sleep(a.after_wait)
            result["snapshots"]["after"] = heap_snapshot(target.java_pids, base, "after")
    except KeyboardInterrupt:
        run.interrupted = True
        run.notes.append("interrupted (Ctrl-C or SIGTERM): figures up to then")
        log("interrupted: writing the report of what ran")
        ctx.sup.stop(proc.pid)
    finally:
        ctx.sampler.stop()
        run.samples = ctx.sampler.snapshot()
        ctx.sampler = None
        run.counters = target.counters()
    rows = sipp.read_stat(os.path.join(udir, "stat.csv"))
    for r in rows:
        run.stat_rows.append(dict(r, step=1, rate=a.rate))
    start_epoch = rows[0]["start"] if rows else run.t0
    rtt = sipp.read_rtt(udir, start_epoch)
    run.rtt = rtt
    last = rows[-1] if rows else {}
    result.update({"ok": last.get("SuccessfulCall(C)", 0), "failed": last.get("FailedCall(C)", 0),
                   "created": last.get("TotalCallCreated", 0), "retransmissions": last.get("Retransmissions(C)", 0),
                   "unexpected": last.get("FailedUnexpectedMessage(C)", 0), "sipp_exit": rc,
                   "caller_refreshes": len(rtt.get(3, [])),
                   "refresh_p50": sipp.percentile([m for _, m in rtt.get(3, [])], 50),
                   "refresh_p99": sipp.percentile([m for _, m in rtt.get(3, [])], 99),
                   "max_in_progress": max((r["CurrentCall"] for r in rows), default=0)})
    try:
        with open(os.path.join(base, "callee.log"), errors="replace") as fh:
            text = fh.read()
        result["callee_refreshes"] = {"UPDATE": text.count("refresh UPDATE"), "INVITE": text.count("refresh INVITE")}
    except OSError:
        result["callee_refreshes"] = None
    snaps = result["snapshots"]
    before = _total(snaps.get("before", {}))
    per_call = {}
    for tag in ("plateau-1", "plateau-2"):
        at, up = _total(snaps.get(tag, {})), result.get(f"{tag}-calls")
        if before is not None and at is not None and up:
            per_call[tag] = {"calls": up, "heap_mb": at, "kb_per_call": (at - before) * 1024 / up,
                             "growth": class_growth(snaps["before"], snaps[tag], up)}
    result["heap_before_mb"] = before
    result["heap_after_mb"] = _total(snaps.get("after", {}))
    result["per_call"] = per_call
    cpu = [sum(s["cpu"].values()) for s in run.samples
           if ramp_s <= s["t"] - run.t0 <= ramp_s + plateau_s]
    result["cpu_pct_plateau"] = sum(cpu) / len(cpu) if cpu else None
    result["pass"] = rc == 0 and result["failed"] == 0 and result["ok"] == a.calls
    for snap in snaps.values():
        for v in snap.values():
            v.pop("classes", None)  # big; the histograms are files in the work dir
    return run, result
