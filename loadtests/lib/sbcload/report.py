"""The report of a run: report.md, PNG plots (matplotlib, Debian's python3-matplotlib), summary.json,
the summary table printed at the end, and the block for loadtests/RESULTS.md."""

import json
import os
import platform
import re
import subprocess

from . import sipp
from .procs import log
from .targets import REPO

RESULTS_MD = os.path.join(REPO, "loadtests", "RESULTS.md")
COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def f(v, digits=1, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.{digits}f}{unit}"
    return f"{v:,}{unit}"


# ---------------------------------------------------------------- series

def stat_series(run):
    """Per second from SIPp's statistics rows: (x, created/s, ok/s, failed/s, calls in progress)."""
    out = {"x": [], "created": [], "ok": [], "failed": [], "current": [], "xc": []}
    prev = None
    for r in run.stat_rows:
        x = r["t"] - run.t0
        out["xc"].append(x)
        out["current"].append(r["CurrentCall"])
        if prev is not None and prev["step"] == r["step"] and r["t"] > prev["t"]:
            dt = r["t"] - prev["t"]
            out["x"].append(x)
            out["created"].append((r["TotalCallCreated"] - prev["TotalCallCreated"]) / dt)
            out["ok"].append((r["SuccessfulCall(C)"] - prev["SuccessfulCall(C)"]) / dt)
            out["failed"].append((r["FailedCall(C)"] - prev["FailedCall(C)"]) / dt)
        prev = r
    return out


def latency_series(samples, t0, window):
    """[(x, p50, p99)] of (epoch, ms) samples in windows of `window` seconds."""
    bins = {}
    for t, ms in samples:
        bins.setdefault(int((t - t0) // window), []).append(ms)
    out, prev = [], None
    for k in sorted(bins):
        if prev is not None and k > prev + 1:
            out.append(((prev + 1.5) * window, float("nan"), float("nan")))  # no calls: a gap, not a line
        v = bins[k]
        out.append(((k + 0.5) * window, sipp.percentile(v, 50), sipp.percentile(v, 99)))
        prev = k
    return out


def _floor(vals, lo=0.5):
    # log scale: a 0 ms sample (below the kernel tick) is drawn at the floor; NaN stays a gap
    return [v if v != v else max(v, lo) for v in vals]


# ---------------------------------------------------------------- plots

def plots(runs, outdir, latency_window=2.0, per_rate=True):
    """Writes the PNGs; returns [(file, caption)]. Several runs (compare) share each plot."""
    plt = _plt()
    made = []
    multi = len(runs) > 1

    def name(run, what):
        return f"{run.short} {what}" if multi else what

    def save(fig, ax, fname, caption, ylabel, logy=False):
        ax.set_xlabel("seconds since the first measured step")
        ax.set_ylabel(ylabel)
        if logy:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        if handles:
            ax.legend(fontsize=8, loc="best")
        ax.set_title(caption, fontsize=10)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, fname), dpi=110)
        plt.close(fig)
        made.append((fname, caption))

    def steps_marks(ax, run, color):
        if multi:
            return
        for s in run.steps:
            ax.axvline(s["t_start"] - run.t0, color="grey", alpha=0.25, lw=0.8)

    # calls/s
    fig, ax = plt.subplots(figsize=(9, 4.5))
    for i, run in enumerate(runs):
        c = COLORS[i % len(COLORS)]
        st = stat_series(run)
        ax.plot(st["x"], st["created"], color=c, lw=0.8, ls=":", label=name(run, "offered (created by SIPp)"))
        ax.plot(st["x"], st["ok"], color=c, lw=1.4, label=name(run, "completed successfully"))
        steps_marks(ax, run, c)
    save(fig, ax, "calls.png", "Calls per second", "calls/s")

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for i, run in enumerate(runs):
        st = stat_series(run)
        ax.plot(st["x"], st["failed"], color=COLORS[i % len(COLORS)], lw=1.2, label=name(run, "failed calls/s"))
        steps_marks(ax, run, None)
    save(fig, ax, "failed.png", "Failed calls per second (SIPp: timeouts, unexpected messages, errors)", "failed calls/s")

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for i, run in enumerate(runs):
        c = COLORS[i % len(COLORS)]
        st = stat_series(run)
        ax.plot(st["xc"], st["current"], color=c, lw=1.2, label=name(run, "calls in progress (SIPp caller)"))
        xs = [s["t"] - run.t0 for s in run.samples if s["active"] is not None]
        ys = [s["active"] for s in run.samples if s["active"] is not None]
        if xs:
            what = "dialogs (kamcmd dlg.stats_active)" if run.target.kind == "kamailio" else "sbc_calls_active (/metrics)"
            ax.plot(xs, ys, color=c, lw=0.9, ls="--", label=name(run, what))
        steps_marks(ax, run, c)
    save(fig, ax, "active.png", "Active calls", "calls")

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for i, run in enumerate(runs):
        c = COLORS[i % len(COLORS)]
        for rtd, what, ls in ((1, "INVITE->100", "-"), (2, "INVITE->200", "--")):
            ser = latency_series(run.rtt.get(rtd, []), run.t0, latency_window)
            if not ser:
                continue
            xs = [p[0] for p in ser]
            ax.plot(xs, _floor([p[2] for p in ser]), color=c, ls=ls, lw=1.3, label=name(run, f"{what} p99"))
            ax.plot(xs, _floor([p[1] for p in ser]), color=c, ls=ls, lw=0.7, alpha=0.6, label=name(run, f"{what} p50"))
        steps_marks(ax, run, c)
    save(fig, ax, "latency.png", f"Response times (SIPp -trace_rtt, {latency_window:g} s windows; 0 ms drawn at 0.5)",
         "ms (log)", logy=True)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for i, run in enumerate(runs):
        c = COLORS[i % len(COLORS)]
        xs = [s["t"] - run.t0 for s in run.samples]
        names = sorted({n for s in run.samples for n in s["cpu"]})
        if names:
            ax.plot(xs, [sum(s["cpu"].values()) for s in run.samples], color=c, lw=1.4,
                    label=name(run, "server CPU" + (" (all nodes)" if len(names) > 1 else "")))
        if len(names) > 1:
            for j, n in enumerate(names):
                ax.plot(xs, [s["cpu"].get(n, 0) for s in run.samples], color=c, lw=0.6, alpha=0.5,
                        ls=[":", "-.", "--"][j % 3], label=name(run, n))
        infra = sorted({n for s in run.samples for n in s["infra"]})
        for j, n in enumerate(infra):
            ax.plot(xs, [s["infra"].get(n, 0) for s in run.samples], color=c, lw=0.7, ls=[":", "-."][j % 2],
                    label=name(run, n))
        ax.plot(xs, [s["sipp"] for s in run.samples], color="grey" if not multi else c, lw=0.6, alpha=0.6,
                label=name(run, "SIPp (caller + callee)"))
        if not multi:
            ax.plot(xs, [s.get("machine") or 0 for s in run.samples], color="black", lw=0.5, ls=":",
                    label="whole machine (all processes)")
        steps_marks(ax, run, c)
    save(fig, ax, "cpu.png", "CPU (utime+stime from /proc/<pid>/stat; one core = 100 %)", "% of one core")

    fig, ax = plt.subplots(figsize=(9, 4.5))
    any_mem = False
    for i, run in enumerate(runs):
        c = COLORS[i % len(COLORS)]
        names = sorted({n for s in run.samples for n in s["mem"]})
        for j, n in enumerate(names):
            pts = [(s["t"] - run.t0, s["mem"][n]) for s in run.samples if n in s["mem"]]
            what = f"{n} shared memory used" if run.target.kind == "kamailio" else f"{n} heap used"
            ax.plot([p[0] for p in pts], [p[1] for p in pts], color=c, lw=1.2, ls=["-", "--", ":"][j % 3],
                    label=name(run, what))
            any_mem = True
        steps_marks(ax, run, c)
    if not any_mem:
        ax.text(0.5, 0.5, "no memory figures from this server", ha="center", transform=ax.transAxes)
    save(fig, ax, "memory.png", 'Heap used (jvm_memory_used_bytes{area="heap"} from /metrics)'
         + ("; Kamailio: shared memory used (kamcmd core.shmmem)" if any(r.target.kind == "kamailio" for r in runs) else ""),
         "MiB")

    if per_rate and any(r.steps for r in runs):
        fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
        for i, run in enumerate(runs):
            c = COLORS[i % len(COLORS)]
            rates = [s["rate"] for s in run.steps]
            axes[0].plot(rates, [s["answered_cps"] or 0 for s in run.steps], "o-", color=c, label=run.short)
            axes[1].plot(rates, [s["cpu_ms_per_call"] if s["cpu_ms_per_call"] is not None else float("nan")
                                 for s in run.steps], "o-", color=c, label=run.short)
            axes[2].plot(rates, _floor([s["rtd2_p99"] if s["rtd2_p99"] is not None else float("nan") for s in run.steps]),
                         "o-", color=c, label=f"{run.short} INVITE->200 p99")
            axes[2].plot(rates, _floor([s["rtd1_p99"] if s["rtd1_p99"] is not None else float("nan") for s in run.steps]),
                         "s--", color=c, alpha=0.6, label=f"{run.short} INVITE->100 p99")
            for s in run.steps:
                if not s["pass"]:
                    axes[0].plot([s["rate"]], [s["answered_cps"] or 0], "x", color="red", ms=9)
        lim = max(s["rate"] for r in runs for s in r.steps)
        axes[0].plot([0, lim], [0, lim], color="grey", lw=0.6, ls=":", label="answered = offered")
        axes[0].set_title("answered calls/s (x = a step with failures)", fontsize=9)
        axes[1].set_title("server CPU per successful call", fontsize=9)
        axes[2].set_title("p99 response times", fontsize=9)
        axes[0].set_ylabel("calls/s")
        axes[1].set_ylabel("CPU ms per call")
        axes[2].set_ylabel("ms (log)")
        axes[2].set_yscale("log")
        for ax in axes:
            ax.set_xlabel("offered calls/s")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(outdir, "per-rate.png"), dpi=110)
        plt.close(fig)
        made.append(("per-rate.png", "Per step, against the offered rate"))
    return made


# ---------------------------------------------------------------- text

STEP_HEADER = ("| step | offered cps | calls | ok | failed | unexpected | retrans | answered cps "
               "| INVITE->100 p50/p99 ms | INVITE->200 p50/p99 ms | server CPU % | of it JIT % | CPU ms/call | memory MB "
               "| other CPU % | verdict |")


def step_table(run):
    rows = [STEP_HEADER, "|" + "---|" * 16]
    for s in run.steps:
        rows.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} / {} | {} / {} | {} | {} | {} | {} | {} | {} |".format(
            s["step"], s["rate"], s["calls"], s["ok"], s["failed"], s["unexpected"], s["retransmissions"],
            f(s["answered_cps"]), f(s["rtd1_p50"], 0), f(s["rtd1_p99"], 0), f(s["rtd2_p50"], 0), f(s["rtd2_p99"], 0),
            f(s["cpu_pct"]), f(s.get("jit_pct")), f(s["cpu_ms_per_call"], 3), f(s["mem_max_mb"], 0),
            f(s.get("others_cpu_pct"), 0), s["verdict"]))
    return "\n".join(rows)


def result_table(runs):
    rows = ["| server | highest offered rate with 0 failed calls (kept up) | server CPU per call there | first step not passed |",
            "|---|---|---|---|"]
    for run in runs:
        sm = run.summary()
        rows.append(f"| {run.target.label} | {f(sm['best_rate'])} cps | {f(sm['cpu_ms_per_call_at_best'], 3)} ms "
                    f"| {f(sm['first_failing_rate'])} |")
    return "\n".join(rows)


def environment():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            m = re.search(r"model name\s*:\s*(.+)", fh.read())
            cpu = m.group(1).strip() if m else "?"
    except OSError:
        pass

    def out(cmd):
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20, text=True)
            return r.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    commit = out(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    if out(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"]):
        commit += "+"
    java = out(["java", "-version"]).splitlines()
    sippv = [ln for ln in out(["sipp", "-v"]).splitlines() if "SIPp" in ln]
    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(), "commit": commit,
            "java": java[0] if java else "?", "sipp": sippv[0].strip().rstrip(".") if sippv else "?",
            "loadavg": open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []}


def load_report(kind, runs, args, outdir, env, command):
    """report.md for `load` and `compare`; returns the Markdown text of the summary printed at the end."""
    figs = plots(runs, outdir, latency_window=max(1.0, args.step_seconds / 5.0))
    lines = [f"# sbc-load {kind} ({env['ts']})", "",
             f"Command: `{command}`", "",
             f"Machine: {env['cores']} cores ({env['cpu']}), kernel {env['kernel']}, load average at start "
             f"{' '.join(env['loadavg'])}; commit {env['commit']}; {env['java']}; {env['sipp']}. "
             "Everything on 127.0.0.1 (SIPp caller and callee share the cores with the server).", "",
             f"Plan: {args.start} to {args.max} calls/s in steps of {args.step}, {args.step_seconds} s each, "
             f"calls held {args.hold_ms} ms (uac.xml / uas.xml over UDP), {args.settle} s between steps; "
             + (f"warm-up {args.warmup} s at {min(args.start, args.warmup_rate)} calls/s first (not measured)"
                if args.warmup else "no warm-up") + "; a step passes (verdict ok) when every call succeeded and, while "
             "the step offered its calls, the server answered at least 90 % of the offered rate (\"behind\" otherwise)"
             + ("; the SIPp caller ignores unexpected messages (a 180 forwarded after the 200) and counts them"
                if args.ignore_unexpected else "; an unexpected message fails its call") + ".", "",
             "## Result", "", result_table(runs), ""]
    for run in runs:
        lines += [f"## Steps: {run.target.label}", "", f"Address {run.target.address}.", "", step_table(run), ""]
        for n in run.notes:
            lines.append(f"- {n}")
        if run.counters:
            lines.append("- server counters at the end: " + ", ".join(f"`{k}` {v:,.0f}" for k, v in run.counters.items()))
        infra = [s for s in run.steps if s.get("infra_cpu_pct") is not None]
        if infra:
            lines.append("- CPU of what the server needs besides its own processes (PostgreSQL, the front), per step: "
                         + ", ".join(f"{s['rate']} cps {s['infra_cpu_pct']:.0f} %" for s in infra))
        lines.append("")
    lines += ["## Plots", ""]
    for fname, caption in figs:
        lines += [f"### {caption}", "", f"![{caption}]({fname})", ""]
    for run in runs:
        if run.profile and run.profile.results:
            lines += profile_section(run)
    lines += how_measured()
    with open(os.path.join(outdir, "report.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    summary = {"kind": kind, "command": command, "environment": env,
               "plan": {"start": args.start, "step": args.step, "max": args.max, "step_seconds": args.step_seconds,
                        "hold_ms": args.hold_ms, "warmup": args.warmup},
               "runs": [_jsonable(r.summary()) for r in runs], "plots": [p for p, _ in figs]}
    with open(os.path.join(outdir, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)
    printed = [result_table(runs), ""]
    for run in runs:
        printed += [f"{run.target.label}:", step_table(run), ""]
    return "\n".join(printed)


def how_measured():
    return ["## How it is measured", "",
            "- Each step is one SIPp caller run (`-r rate -m rate x seconds`), bounded by its own `-timeout`; "
            "a call fails on any SIPp error (no answer after UDP retransmissions, unexpected message). "
            "\"answered cps\" = 200 OKs received while the step offered its calls (calls / rate seconds from SIPp's "
            "start), per second; \"offered\" is what SIPp was asked for.",
            "- Response times: SIPp `-trace_rtt` of uac.xml, rtd 1 = INVITE -> first response (100 Trying), "
            "rtd 2 = INVITE -> 200 OK; nearest-rank percentiles; SIPp stamps them with a coarse clock (kernel tick, "
            "1-4 ms), so 0 means below one tick.",
            "- Server CPU: utime+stime of the server's processes from `/proc/<pid>/stat` (node JVMs; Kamailio: its "
            "main process and all its workers) between the start and the end of the step's SIPp run; CPU per call = "
            "that CPU time / successful calls. 100 % = one core.",
            "- Other CPU: all busy CPU of the machine (`/proc/stat`) minus the server, its PostgreSQL/front and SIPp, "
            "averaged over the step: another job on the machine shows here (above 15 % the step gets a warning note).",
            "- Memory: once a second, the sum of `jvm_memory_used_bytes{area=\"heap\"}` from each node's `/metrics` "
            "(live and not yet collected objects: a saw-tooth); Kamailio: shared memory in use (`kamcmd core.shmmem`).",
            ""]


def profile_section(run):
    out = [f"## Profile: {run.target.label}", ""]
    for name, r in run.profile.results.items():
        out += [f"JFR recording of {name} over the measured steps (`-XX:StartFlightRecording`, dumped for the steps), "
                f"{r['samples']:,} execution samples, {r['alloc_total_mb']:,.0f} MB of sampled allocation weight, "
                f"{r['gc_count']} GCs with {r['gc_pause_ms']:,.0f} ms of pauses; file `{os.path.basename(r['file'])}` "
                "in the work dir (kept with --keep).", "",
                "Where the time goes (each execution sample counted for its first frame outside the JDK and the "
                "Scala library):", "", "| component | samples | % |", "|---|---|---|"]
        out += [f"| {m} | {c:,} | {p:.1f} |" for m, c, p in _major(r.get("component", []))]
        out += ["", "Hot methods, JDK and Scala library calls counted to their caller:", "",
                "| # | method | samples | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {c:,} | {p:.1f} |" for i, (m, c, p) in enumerate(r.get("caller", []), 1)]
        out += ["", "Hot methods (top frame of the execution samples):", "", "| # | method | samples | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {c:,} | {p:.1f} |" for i, (m, c, p) in enumerate(r["self"], 1)]
        out += ["", "SBC methods on the stack (inclusive):", "", "| # | method | samples | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {c:,} | {p:.1f} |" for i, (m, c, p) in enumerate(r.get("sbc_total", []), 1)]
        out += ["", "Methods on the stack (inclusive):", "", "| # | method | samples | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {c:,} | {p:.1f} |" for i, (m, c, p) in enumerate(r["total"], 1)]
        out += ["", "Allocation by component (first frame outside the JDK and the Scala library):", "",
                "| component | MB | % |", "|---|---|---|"]
        out += [f"| {m} | {mb:,.0f} | {p:.1f} |" for m, mb, p in _major(r.get("alloc_component", []))]
        out += ["", "Allocation by class (jdk.ObjectAllocationSample weight):", "", "| # | class | MB | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {mb:,.0f} | {p:.1f} |" for i, (m, mb, p) in enumerate(r["alloc_class"], 1)]
        out += ["", "Allocation sites (first frame outside the JDK, [class]):", "", "| # | site | MB | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {mb:,.0f} | {p:.1f} |" for i, (m, mb, p) in enumerate(r["alloc_app_site"], 1)]
        out += ["", "Allocation sites (top frame, [class]):", "", "| # | site | MB | % |", "|---|---|---|---|"]
        out += [f"| {i} | `{m}` | {mb:,.0f} | {p:.1f} |" for i, (m, mb, p) in enumerate(r["alloc_site"], 1)]
        out += [""]
    return out


def _major(rows, floor=0.5):
    """Rows of at least `floor` %, the rest added up in one row."""
    big = [r for r in rows if r[2] >= floor]
    rest = [r for r in rows if r[2] < floor]
    if rest:
        big.append((f"{len(rest)} others (each < {floor} %)", sum(r[1] for r in rest), sum(r[2] for r in rest)))
    return big


def _jsonable(o):
    return json.loads(json.dumps(o, default=lambda x: None))


# ---------------------------------------------------------------- RESULTS.md

def results_block(kind, body):
    return f"<!-- sbc-load:{kind}:begin -->\n{body.strip()}\n<!-- sbc-load:{kind}:end -->"


def update_results(kind, body, path=RESULTS_MD):
    """Replaces (or appends) the block of `kind` in loadtests/RESULTS.md."""
    block = results_block(kind, body)
    text = open(path).read() if os.path.exists(path) else "# Load tool results\n\nBlocks written by `loadtests/sbc-load ... --update-results`.\n"
    pat = re.compile(rf"<!-- sbc-load:{re.escape(kind)}:begin -->.*?<!-- sbc-load:{re.escape(kind)}:end -->", re.S)
    text = pat.sub(lambda _: block, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as fh:
        fh.write(text)


# ---------------------------------------------------------------- soak

def soak_report(run, res, a, outdir, env, command):
    figs = plots([run], outdir, latency_window=10.0, per_rate=False)
    ok = "PASS" if res["pass"] else "FAIL"
    lines = [f"# sbc-load soak ({env['ts']})", "", f"Command: `{command}`", "",
             f"Machine: {env['cores']} cores ({env['cpu']}), kernel {env['kernel']}; commit {env['commit']}; "
             f"{env['java']}; {env['sipp']}. Everything on 127.0.0.1.", "",
             f"Server: {run.target.label} at {run.target.address}.", "",
             f"Plan: {a.calls} calls set up at {a.rate} calls/s (soak_uac.xml / soak_uas.xml over UDP), each held "
             f"{res['hold_s']:.0f} s: {res['refreshes_per_call']} UPDATE refreshes by the caller every "
             f"{a.session_expires / 2:.0f} s (Session-Expires {a.session_expires} s, refresher=uac), and the server "
             f"refreshing the callee's leg (its 200 says refresher=uac); all calls up together for about "
             f"{res['plateau_s']:.0f} s.", "",
             f"## Result: {ok}", "",
             "| calls | ok | failed | unexpected messages | retransmissions | most calls in progress | caller refreshes "
             "| refresh UPDATE->200 p50/p99 ms | refreshes reaching the callee (UPDATE / re-INVITE) | server CPU with all calls up |",
             "|---|---|---|---|---|---|---|---|---|---|",
             f"| {res['calls']:,} | {res['ok']:,} | {res['failed']:,} | {res['unexpected']:,} | {res['retransmissions']:,} "
             f"| {res['max_in_progress']:,} | {res['caller_refreshes']:,} | {f(res['refresh_p50'], 0)} / {f(res['refresh_p99'], 0)} "
             f"| {_callee(res)} | {f(res['cpu_pct_plateau'])} % |", ""]
    if res.get("per_call") or res.get("heap_before_mb") is not None:
        lines += ["## Heap per call", "",
                  "Each figure is taken right after a full GC (`jcmd <pid> GC.class_histogram`, then `GC.heap_info`): "
                  "live objects only.", "",
                  "| when | calls in progress (SIPp) | server's active calls | heap used MB | KB per call over the heap before |",
                  "|---|---|---|---|---|",
                  f"| before the calls | 0 | | {f(res['heap_before_mb'], 1)} | |"]
        for tag in ("plateau-1", "plateau-2"):
            pc = res["per_call"].get(tag)
            if pc:
                lines.append(f"| {tag} | {pc['calls']:,} | {f(res.get(f'{tag}-server-calls'), 0)} | {f(pc['heap_mb'], 1)} "
                             f"| {f(pc['kb_per_call'], 2)} |")
        lines.append(f"| {a.after_wait} s after the last call | 0 | | {f(res['heap_after_mb'], 1)} | |")
        pc = res["per_call"].get("plateau-2") or res["per_call"].get("plateau-1")
        if pc and pc["growth"]:
            lines += ["", "Classes that grew most with the calls up (live bytes and instances per call):", "",
                      "| class | bytes per call | instances per call |", "|---|---|---|"]
            lines += [f"| `{c}` | {b:,.0f} | {n:,.1f} |" for c, n, b in pc["growth"]]
        for tag, snap in res["snapshots"].items():
            for name, v in snap.items():
                if not v.get("ok"):
                    lines.append(f"- {tag} {name}: jcmd failed: {v.get('error')}")
    else:
        lines += ["Heap per call: n/a (the server is not a JVM this tool can attach to).", ""]
    lines.append("")
    for n in run.notes:
        lines.append(f"- {n}")
    if run.counters:
        lines.append("- server counters at the end: " + ", ".join(f"`{k}` {v:,.0f}" for k, v in run.counters.items()))
    lines += ["", "## Plots", ""]
    for fname, caption in figs:
        lines += [f"### {caption}", "", f"![{caption}]({fname})", ""]
    with open(os.path.join(outdir, "report.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    with open(os.path.join(outdir, "summary.json"), "w") as fh:
        json.dump({"kind": "soak", "command": command, "environment": env, "target": run.target.label,
                   "result": _jsonable(res), "counters": run.counters, "notes": run.notes,
                   "plots": [p for p, _ in figs]}, fh, indent=1)
    return "\n".join(lines[lines.index(f"## Result: {ok}"):lines.index(f"## Result: {ok}") + 5])


def _callee(res):
    c = res.get("callee_refreshes")
    return f"{c['UPDATE']:,} / {c['INVITE']:,}" if c else "n/a"


def show(summary, block, cmd, update):
    """The summary table and the RESULTS.md block on stdout; the block written into RESULTS.md when asked."""
    print()
    print(summary)
    print()
    print("Block for loadtests/RESULTS.md:")
    print(block)
    if update:
        update_results(cmd, block)
        log(f"updated {RESULTS_MD}")
