"""Plots of a drill against time (calls/s, failed calls, active calls, in-dialog response time,
node CPU and heap) with the marked moments as labelled vertical lines, and report.md's parts."""

import os

from .report import _plt

COLORS = {"kill": "red", "drain": "darkorange", "sigterm": "purple", "exit": "brown", "start": "green",
          "ready": "teal", "removed": "gray", "done": "black"}


def _bins(pairs, t0, how="count"):
    """{second: [values]} from (epoch, value) pairs."""
    out = {}
    for t, v in pairs:
        out.setdefault(int(t - t0), []).append(v)
    return out


def series(drill, callers, t0):
    """Per-second series from the callers' files and the node sampler."""
    att, fail, cur = {}, {}, {}
    for s in callers:
        prev = None
        for r in s.stat_rows():
            k = int(round(r["t"] - t0))
            if prev is not None:
                att[k] = att.get(k, 0) + max(r["TotalCallCreated"] - prev["TotalCallCreated"], 0)
                fail[k] = fail.get(k, 0) + max(r["FailedCall(C)"] - prev["FailedCall(C)"], 0)
            else:
                att[k] = att.get(k, 0) + r["TotalCallCreated"]
                fail[k] = fail.get(k, 0) + r["FailedCall(C)"]
            cur[k] = cur.get(k, 0) + r["CurrentCall"]
            prev = r
    answered = {}
    rtt = []
    for s in callers:
        for t, _ in s.rtt().get(1, []):
            k = int(t - t0)
            answered[k] = answered.get(k, 0) + 1
        for ln in s.log_lines(r"^probe-ok "):
            f = ln.split()
            if len(f) >= 6:
                ok = float(f[2]) + float(f[3]) / 1e6
                sent = float(f[4]) + float(f[5]) / 1e6
                rtt.append((sent, (ok - sent) * 1000.0))
    probe = {}
    for k, v in _bins(rtt, t0).items():
        v.sort()
        probe[k] = (v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))], v[-1], len(v))
    nodes = {}
    for row in (drill.sampler.rows if drill.sampler else []):
        k = row["t"] - t0
        for name, v in row["nodes"].items():
            nodes.setdefault(name, []).append((k, v["active"], v["heap_mb"], v["cpu_pct"]))
    return {"attempted": att, "failed": fail, "current": cur, "answered": answered, "probe": probe, "nodes": nodes,
            "probe_all": [ms for _, ms in rtt]}


def plots(drill, ser, t0, outdir, title):
    plt = _plt()
    marks = [(t - t0, label, kind) for t, label, kind in drill.events if kind not in ("start",)]
    made = []

    def lines(ax):
        top = ax.get_ylim()[1]
        for i, (x, label, kind) in enumerate(marks):
            ax.axvline(x, color=COLORS.get(kind, "gray"), lw=1, ls="--", alpha=0.8)
            ax.text(x, top, " " + label, rotation=90, va="top", ha="left", fontsize=6, color=COLORS.get(kind, "gray"))

    def save(fig, ax, fname, ylabel, caption):
        ax.set_xlabel("seconds since the drill's calls began")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, loc="upper right")
        lines(ax)
        ax.set_title(f"{title}: {caption}", fontsize=9)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, fname), dpi=80)
        plt.close(fig)
        made.append((fname, caption))

    def xy(d):
        ks = sorted(d)
        return ks, [d[k] for k in ks]

    fig, ax = plt.subplots(figsize=(9, 3.6))
    x, y = xy(ser["attempted"])
    ax.plot(x, y, label="attempted (SIPp callers)", lw=1)
    x, y = xy(ser["answered"])
    ax.plot(x, y, label="answered (200 to the INVITE)", lw=1)
    save(fig, ax, "calls.png", "calls/s", "calls per second")

    fig, ax = plt.subplots(figsize=(9, 3.6))
    x, y = xy(ser["failed"])
    ax.bar(x, y, width=1.0, color="red", label="failed calls (SIPp callers)")
    cum, total = [], 0
    for v in y:
        total += v
        cum.append(total)
    ax.plot(x, cum, color="black", lw=1, label="failed, cumulative")
    ax.set_ylim(0, max(1, max(cum or [0]) * 1.2))
    save(fig, ax, "failed.png", "calls", "failed calls")

    fig, ax = plt.subplots(figsize=(9, 3.6))
    x, y = xy(ser["current"])
    ax.plot(x, y, label="SIPp callers' current calls", lw=1.5, color="black")
    for name, rows in sorted(ser["nodes"].items()):
        ax.plot([r[0] for r in rows], [r[1] for r in rows], label=f"{name} sbc_calls_active", lw=1)
    save(fig, ax, "active.png", "calls", "active calls")

    fig, ax = plt.subplots(figsize=(9, 3.6))
    ks = sorted(ser["probe"])
    if ks:
        for i, lab in ((2, "max"), (1, "p99"), (0, "p50")):
            ax.plot(ks, [max(ser["probe"][k][i], 0.1) for k in ks], label=lab, lw=1)
        ax.set_yscale("log")
    save(fig, ax, "response.png", "ms (log)", "in-dialog OPTIONS probes: response time by the second they were sent")

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 5), sharex=True)
    for name, rows in sorted(ser["nodes"].items()):
        ax1.plot([r[0] for r in rows], [r[3] if r[3] is not None else float("nan") for r in rows], label=name, lw=1)
        ax2.plot([r[0] for r in rows], [r[2] if r[2] is not None else float("nan") for r in rows], label=name, lw=1)
    ax1.set_ylabel("CPU % of a core")
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=7, loc="upper right")
    lines(ax1)
    save(fig, ax2, "nodes.png", "heap used MB", "node CPU and heap")
    return made


def events_table(drill, t0):
    out = ["| at (s) | UTC | what |", "|---|---|---|"]
    import time
    for t, label, kind in drill.events:
        out.append(f"| {t - t0:.1f} | {time.strftime('%H:%M:%S', time.gmtime(t))}.{int((t % 1) * 1000):03d} | {label} |")
    return out


def plot_section(made):
    out = []
    for fname, caption in made:
        out += [f"![{caption}]({fname})", ""]
    return out


def percentile(vals, p):
    if not vals:
        return None
    s = sorted(vals)
    return s[min(len(s) - 1, int((len(s) - 1) * p + 0.5))]
