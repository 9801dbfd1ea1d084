"""Command line of loadtests/sbc-load: argument checks, what must be installed, the run, the report."""

import argparse
import os
import re
import shlex
import shutil
import sys
import tempfile
import time

from . import procs, sipp
from .procs import ToolError, log

REPORTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "reports")

EPILOG = """examples:
  loadtests/sbc-load load --start 200 --step 200 --max 3000 --step-seconds 20
  loadtests/sbc-load load --nodes 3 --start 100 --step 100 --max 1000
  loadtests/sbc-load load --journal postgres --max 1500
  loadtests/sbc-load load --target 127.0.0.1:5060 --target-pid 12345 --max 1000
  loadtests/sbc-load soak --calls 2000 --minutes 10 --session-expires 60
  loadtests/sbc-load compare --start 250 --step 250 --max 2000 --step-seconds 15 --heap 1g
  loadtests/sbc-load failover [--victim busiest] [--topology local]
  loadtests/sbc-load rolling-upgrade --rate 50 --hold 30
On a shared machine run it under the CPU lock: flock /tmp/sbc-cpu.lock loadtests/sbc-load ...
Exit status: 0 report written (load/compare: whatever the steps gave; soak: no call failed),
1 soak with failed calls / drill FAIL, 2 bad arguments or a setup failure, 130 interrupted (report of what ran)."""


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {v}")
    return v


def non_negative_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {v}")
    return v


def heap_size(text):
    if not re.fullmatch(r"\d+[mMgG]", text):
        raise argparse.ArgumentTypeError(f"heap like 512m or 1g, got {text!r}")
    return text


def loopback_address(text):
    m = re.fullmatch(r"(127(?:\.\d{1,3}){3}|localhost):(\d{1,5})", text)
    if not m or not 0 < int(m.group(2)) < 65536:
        raise argparse.ArgumentTypeError(f"HOST:PORT on the loopback (127.x.x.x or localhost) only, got {text!r}")
    return ("127.0.0.1" if m.group(1) == "localhost" else m.group(1)) + ":" + m.group(2)


def parser():
    p = argparse.ArgumentParser(prog="sbc-load", description="Load, soak and comparison runs against the SBC "
                                "(or another SIP server) on this machine, and the fail-over and rolling-upgrade "
                                "drills of a 3-node cluster, each with a report and plots.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", metavar="{load,soak,compare,failover,rolling-upgrade}")
    sub.required = True

    def common(sp):
        g = sp.add_argument_group("the server")
        g.add_argument("--nodes", type=positive_int, default=1,
                       help="1: one node; more: a local cluster behind the front (deploy/start-cluster.sh, PostgreSQL)")
        g.add_argument("--journal", choices=["h2", "postgres"], default=None,
                       help="journal of a single node (default h2); postgres = a private PostgreSQL started here")
        g.add_argument("--heap", type=heap_size, default=None, help="node heap, -Xms = -Xmx (default 1g; 512m per node in a cluster)")
        g.add_argument("--java-opts", default="", help="more JVM options for the node(s), one string")
        g.add_argument("--jar", default=None, help="node fat jar (default SBC_NODE_JAR or node/target/sbc-node-*-all.jar)")
        o = sp.add_argument_group("output")
        o.add_argument("--reports-dir", default=REPORTS, help="where <what>-<UTC time>/ is written (default loadtests/reports)")
        o.add_argument("--keep", action="store_true", help="keep the work dir (SIPp files, node logs, JFR file)")
        o.add_argument("--update-results", action="store_true",
                       help="write the figures into loadtests/RESULTS.md (otherwise the block is only printed)")

    def plan(sp, start=200, step=200, maximum=3000, secs=20, sub_is_compare=False):
        g = sp.add_argument_group("the step plan")
        g.add_argument("--start", type=positive_int, default=start, help=f"first offered rate, calls/s (default {start})")
        g.add_argument("--step", type=positive_int, default=step, help=f"rate added per step (default {step})")
        g.add_argument("--max", type=positive_int, default=maximum, help=f"last rate at most (default {maximum})")
        g.add_argument("--step-seconds", type=positive_int, default=secs, help=f"length of a step (default {secs})")
        g.add_argument("--hold-ms", type=non_negative_int, default=500, help="ACK to BYE of each call (default 500)")
        g.add_argument("--warmup", type=non_negative_int, default=90,
                       help="seconds of unmeasured calls first, for the JIT (default 90; 0 = none). A node keeps "
                            "compiling for 1-2 min under load; the step table's JIT column shows what is left")
        g.add_argument("--warmup-rate", type=positive_int, default=200, help="rate of the warm-up, at most --start (default 200)")
        g.add_argument("--settle", type=non_negative_int, default=3, help="pause between steps, s (default 3)")
        g.add_argument("--stop-after", type=non_negative_int, default=2,
                       help="end the ramp after this many failing steps in a row (default 2; 0 = run every step)")
        g.add_argument("--ignore-unexpected", action="store_true", default=sub_is_compare,
                       help="SIPp caller ignores unexpected messages instead of failing the call, e.g. a 180 a proxy "
                            "forwarded after the 200 (counted in the column 'unexpected'; always on for compare)")
        g.add_argument("--jfr", action="store_true",
                       help="record the node(s) with Java Flight Recorder over the steps; hot methods and allocation sites in the report")
        g.add_argument("--jfr-settings", choices=["profile", "default"], default="profile",
                       help="JFR settings of --jfr (profile: 10 ms samples; default: 20 ms, less overhead)")

    def target(sp):
        g = sp.add_argument_group("a server already running (instead of starting a node)")
        g.add_argument("--target", type=loopback_address, default=None, help="HOST:PORT to call (loopback only)")
        g.add_argument("--target-pid", type=positive_int, default=None, help="its PID, for CPU (and heap if a JVM)")
        g.add_argument("--target-metrics", default=None, help="its Prometheus URL, for heap and active calls")

    lp = sub.add_parser("load", help="ramp the offered rate in steps; highest rate with 0 failed calls, CPU per call",
                        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    plan(lp)
    common(lp)
    target(lp)

    sp = sub.add_parser("soak", help="hold N calls for T minutes with session refreshes; heap per call, failures",
                        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    g = sp.add_argument_group("the soak")
    g.add_argument("--calls", type=positive_int, default=2000, help="concurrent calls (default 2000)")
    g.add_argument("--minutes", type=float, default=10.0, help="how long each call lasts (default 10)")
    g.add_argument("--rate", type=positive_int, default=100, help="calls/s while they are set up (default 100)")
    g.add_argument("--session-expires", type=positive_int, default=60,
                   help="RFC 4028 interval, s; refreshes every half of it; the node gets it as Min-SE (default 60)")
    g.add_argument("--after-wait", type=non_negative_int, default=45,
                   help="seconds after the last call before the final heap figure (default 45: the node keeps ended calls 32 s)")
    g.add_argument("--sample-seconds", type=float, default=2.0, help="sampling period of CPU and heap (default 2)")
    common(sp)
    target(sp)

    cp = sub.add_parser("compare", help="the same load plan against the SBC and another SIP server (default: a Kamailio started here)",
                        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    plan(cp, 250, 250, 2000, 15, sub_is_compare=True)
    common(cp)
    g = cp.add_argument_group("the other server")
    g.add_argument("--against", default="kamailio",
                   help="kamailio (started here with loadtests/kamailio/kamailio-b2b-bench.cfg) or HOST:PORT of a running one")
    g.add_argument("--against-pid", type=positive_int, default=None, help="PID of the running one, for its CPU")
    g.add_argument("--kamailio-workers", type=positive_int, default=4, help="Kamailio UDP worker processes (default 4)")
    from . import drills
    drills.add_parsers(sub, positive_int, heap_size, REPORTS)
    return p


def check_args(p, a):
    if a.cmd in ("failover", "rolling-upgrade"):
        from . import drills
        drills.check(p, a)
        return
    if a.cmd in ("load", "compare"):
        if a.start > a.max:
            p.error(f"--start {a.start} is above --max {a.max}")
        nsteps = len(range(a.start, a.max + 1, a.step))
        est = nsteps * (a.step_seconds + a.settle + a.hold_ms / 1000.0 + 5) + a.warmup
        if a.cmd == "compare":
            est *= 2
        if est > 3 * 3600:
            p.error(f"the plan would run about {est / 60:.0f} min; keep it under 3 hours (fewer or shorter steps)")
        if a.max * a.step_seconds > 2_000_000:
            p.error("a step of more than 2,000,000 calls: shorten --step-seconds or lower --max")
    if a.cmd == "soak":
        if not 0 < a.minutes <= 24 * 60:
            p.error("--minutes must be > 0 and at most 1440")
        if a.calls > 200_000:
            p.error("--calls at most 200000")
        if a.calls / a.rate + a.session_expires / 2.0 >= a.minutes * 60:
            p.error(f"the calls must outlive their set-up: {a.calls} calls at {a.rate}/s take {a.calls / a.rate:.0f} s; "
                    f"give more --minutes, a higher --rate or fewer --calls")
    if getattr(a, "target", None):
        if a.nodes != 1 or a.journal or a.heap or a.java_opts or getattr(a, "jfr", False):
            p.error("--target loads a server already running: --nodes/--journal/--heap/--java-opts/--jfr are for nodes the tool starts")
    else:
        if getattr(a, "target_pid", None) or getattr(a, "target_metrics", None):
            p.error("--target-pid/--target-metrics need --target")
    if a.nodes > 1 and a.journal == "h2":
        p.error("a cluster needs a shared journal: --nodes > 1 runs PostgreSQL (leave out --journal h2)")
    if a.nodes > 9:
        p.error("--nodes at most 9 on one machine")
    if a.cmd == "compare" and a.against != "kamailio":
        try:
            a.against = loopback_address(a.against)
        except argparse.ArgumentTypeError as e:
            p.error(f"--against: {e}")
    a.journal = a.journal or ("postgres" if a.nodes > 1 else "h2")
    a.heap = a.heap or ("512m" if a.nodes > 1 else "1g")


def check_installed(a):
    """Everything the run will need, said in one message instead of a crash half-way."""
    missing = []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        missing.append(f"matplotlib for {sys.executable} (Debian: apt-get install python3-matplotlib; "
                       "run the tool with the Debian python3, /usr/bin/python3)")
    if not procs.which("sipp"):
        missing.append("sipp (apt-get install sip-tester)")
    starts_node = not getattr(a, "target", None)
    if starts_node:
        if not procs.which("java"):
            missing.append("java (a JDK 17)")
        if a.journal == "postgres" and not os.path.isdir("/usr/lib/postgresql"):
            missing.append("PostgreSQL server (apt-get install postgresql)")
        if a.nodes > 1 and not os.path.exists("/usr/sbin/kamailio"):
            missing.append("kamailio, the cluster's front (apt-get install kamailio)")
        if (a.cmd == "soak" or getattr(a, "jfr", False)) and not procs.which("jcmd"):
            missing.append("jcmd (from the JDK)")
        if getattr(a, "jfr", False) and not procs.which("jfr"):
            missing.append("jfr (from the JDK)")
    if a.cmd == "compare" and a.against == "kamailio" and not os.path.exists("/usr/sbin/kamailio"):
        missing.append("kamailio (apt-get install kamailio)")
    if missing:
        raise ToolError("missing: " + "; ".join(missing))


class Ctx:
    """What one server's run shares: the supervisor, ports, the work dir, the callee."""

    def __init__(self, sup, ports, work, callee_scenario="uas.xml", callee_extra=()):
        self.sup, self.ports, self.work = sup, ports, work
        self.callee_scenario, self.callee_extra = callee_scenario, list(callee_extra)
        self.callee_port = ports.pick()
        self.callee_media = ports.pick(span=4)
        self.callee_pid = None
        self.sampler = None

    @property
    def next_hop(self):
        return f"sip:127.0.0.1:{self.callee_port}"

    def start_callee(self, base):
        d = os.path.join(base, "callee")
        extra = [x.replace("{dir}", base) for x in self.callee_extra]
        proc = sipp.start_uas(self.sup, "SIPp UAS", self.callee_scenario, self.callee_port, self.callee_media, d,
                              extra=extra)
        self.callee_pid = proc.pid
        time.sleep(0.5)
        if proc.poll() is not None:
            with open(os.path.join(d, "screen.log"), errors="replace") as fh:
                raise ToolError("SIPp callee did not start:\n" + fh.read()[-1500:])
        log(f"callee (SIPp {self.callee_scenario}) on 127.0.0.1:{self.callee_port}")


def make_sbc(ctx, a, extra_env=None):
    from . import targets
    from .profile import JVM_FLAG
    jar = targets.find_node_jar(a.jar)
    opts = shlex.split(a.java_opts)
    if getattr(a, "jfr", False):
        opts.append(JVM_FLAG.format(settings=a.jfr_settings))
    if a.nodes > 1:
        return targets.SbcCluster(ctx.sup, ctx.ports, os.path.join(ctx.work, "sbc"), jar, ctx.next_hop, a.nodes,
                                  heap=a.heap, java_opts=opts, extra_env=extra_env)
    return targets.SbcNode(ctx.sup, ctx.ports, os.path.join(ctx.work, "sbc"), jar, ctx.next_hop, heap=a.heap,
                           java_opts=opts, journal=a.journal, extra_env=extra_env)


def make_target(ctx, a, extra_env=None):
    from . import targets
    if a.target:
        return targets.External(a.target, a.target_pid, a.target_metrics)
    return make_sbc(ctx, a, extra_env)


def main(argv=None):
    p = parser()
    a = p.parse_args(argv)
    check_args(p, a)
    command = "loadtests/sbc-load " + " ".join(shlex.quote(x) for x in (argv if argv is not None else sys.argv[1:]))
    if a.cmd in ("failover", "rolling-upgrade"):
        from . import drills
        return drills.run(a, command)
    try:
        check_installed(a)
    except ToolError as e:
        procs.eprint(f"sbc-load: {e}")
        return 2
    from . import report
    from .loadrun import run_load
    from .soak import run_soak
    from .targets import Kamailio, External

    procs.install_signal_handlers()
    sup, ports = procs.Supervisor(), procs.Ports()
    ts = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    outdir = os.path.join(os.path.abspath(a.reports_dir), f"{a.cmd}-{ts}")
    work = tempfile.mkdtemp(prefix="sbc-load.", dir="/tmp")
    os.chmod(work, 0o755)  # a PostgreSQL started as user postgres must reach its dir inside
    env = report.environment()
    env["ts"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    log(f"{a.cmd}: report to {outdir}; work dir {work}")
    rc = 0
    runs = []
    try:
        os.makedirs(outdir, exist_ok=True)
        if a.cmd in ("load", "compare"):
            ctx = Ctx(sup, ports, work)
            server = make_sbc(ctx, a) if a.cmd == "compare" else make_target(ctx, a)
            first = run_load(ctx, server, a, "server")
            runs.append(first)
            sup.stop_all()
            if a.cmd == "compare" and not first.interrupted:
                ctx2 = Ctx(sup, ports, work)
                if a.against == "kamailio":
                    other = Kamailio(sup, ports, os.path.join(work, "kamailio"), ctx2.next_hop, workers=a.kamailio_workers)
                else:
                    other = External(a.against, a.against_pid)
                time.sleep(3)
                runs.append(run_load(ctx2, other, a, "other"))
                sup.stop_all()
            if any(r.interrupted for r in runs):
                rc = 130
            summary = report.load_report(a.cmd, runs, a, outdir, env, command)
            block = results_load(a, runs, env, outdir)
        else:
            se = a.session_expires
            ctx = Ctx(sup, ports, work, "soak_uas.xml",
                      ["-set", "se", str(se), "-trace_logs", "-log_file", "{dir}/callee.log"])
            target = make_target(ctx, a, extra_env={"SBC_MIN_SE": f"{se}s", "SBC_SESSION_EXPIRES": f"{se}s"})
            run, result = run_soak(ctx, target, a)
            runs.append(run)
            sup.stop_all()
            summary = report.soak_report(run, result, a, outdir, env, command)
            block = results_soak(a, run, result, env, outdir)
            rc = 0 if result["pass"] else 1
            if run.interrupted:
                rc = 130
        report.show(summary, block, a.cmd, a.update_results)
        log(f"report: {os.path.join(outdir, 'report.md')}")
        return rc
    except KeyboardInterrupt:
        log("interrupted: stopping everything this run started")
        return 130
    except ToolError as e:
        procs.eprint(f"sbc-load: {e}")
        return 2
    finally:
        sup.stop_all()
        if a.keep:
            log(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _shown(outdir):
    """The report dir as RESULTS.md names it: relative to loadtests/ when it is inside."""
    rel = os.path.relpath(outdir, os.path.dirname(REPORTS))
    return outdir if rel.startswith("..") else rel


def results_load(a, runs, env, outdir):
    from .report import f
    rel = _shown(outdir)
    lines = [f"### sbc-load {a.cmd}, {env['ts']} (commit {env['commit']})", "",
             f"{env['cores']} cores, everything on one machine; {a.start} to {a.max} calls/s in steps of {a.step}, "
             f"{a.step_seconds} s each, hold {a.hold_ms} ms, warm-up {a.warmup} s; report `{rel}/report.md` (not in git).", "",
             "| server | highest rate with 0 failed calls | CPU per call there | median CPU per call (passing steps) "
             "| INVITE->200 p99 there |", "|---|---|---|---|---|"]
    for r in runs:
        b = r.best()
        med = sorted(s["cpu_ms_per_call"] for s in r.passing if s["cpu_ms_per_call"] is not None)
        lines.append(f"| {r.target.label} | {f(b['rate']) + ' cps' if b else 'none'} | "
                     f"{f(b['cpu_ms_per_call'], 3) if b else 'n/a'} ms | {f(med[len(med) // 2], 3) if med else 'n/a'} ms "
                     f"| {f(b['rtd2_p99'], 0) if b else 'n/a'} ms |")
    return "\n".join(lines)


def results_soak(a, run, result, env, outdir):
    from .report import f
    rel = _shown(outdir)
    pc = result["per_call"].get("plateau-2") or result["per_call"].get("plateau-1") or {}
    return "\n".join([
        f"### sbc-load soak, {env['ts']} (commit {env['commit']})", "",
        f"{run.target.label}: {a.calls} calls held {result['hold_s'] / 60:.1f} min, refreshed every "
        f"{a.session_expires / 2:.0f} s; report `{rel}/report.md` (not in git).", "",
        "| calls ok / failed | caller refreshes | heap per call (after full GC) | heap before / with the calls / after | "
        "server CPU with all calls up |", "|---|---|---|---|---|",
        f"| {result['ok']:,} / {result['failed']:,} | {result['caller_refreshes']:,} | "
        f"{f(pc.get('kb_per_call'), 1)} KB | {f(result['heap_before_mb'], 0)} / {f(pc.get('heap_mb'), 0)} / "
        f"{f(result['heap_after_mb'], 0)} MB | {f(result['cpu_pct_plateau'])} % |"])
