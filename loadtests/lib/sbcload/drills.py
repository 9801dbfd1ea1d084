"""sbc-load failover / rolling-upgrade: arguments, the run (every process stopped by PID at the end,
on Ctrl-C and on errors too), the report directory and the RESULTS.md block."""

import json
import os
import re
import shutil
import tempfile
import time

from . import procs
from .procs import ToolError, log

TOPOLOGY_HELP = ("where the cluster's processes come from: compose (default) = deploy/compose.yaml mapped onto "
                 "127.29.53.0/24, each service a plain process with that service's environment, so the drill "
                 "proves the shipped wiring (needs 127.29.53.x ports 5060/5080/7355/8558 and 5432 free: one drill "
                 "at a time); local = the same variables on 127.0.0.1 with ports picked free (next to anything else)")

EPILOG = """examples:
  loadtests/sbc-load failover                       300 calls, kill -9 of sbc2, compose topology
  loadtests/sbc-load failover --victim busiest --calls 300
  loadtests/sbc-load rolling-upgrade --rate 50 --hold 30
  loadtests/sbc-load rolling-upgrade --topology local --rate 10 --hold 20 --app-version 0.1.1-drill
On a shared machine run it under the CPU lock: flock /tmp/sbc-cpu.lock loadtests/sbc-load ...
Exit status: 0 PASS, 1 FAIL, 2 bad arguments or a setup failure, 130 interrupted."""


def add_parsers(sub, positive_int, heap_size, reports):
    def common(sp):
        sp.add_argument("--topology", choices=["compose", "local"], default="compose", help=TOPOLOGY_HELP)
        sp.add_argument("--heap", type=heap_size, default="512m", help="heap of each node, -Xms = -Xmx (default 512m, at most 512m)")
        sp.add_argument("--jar", default=None, help="node fat jar (default SBC_NODE_JAR or node/target/sbc-node-*-all.jar)")
        sp.add_argument("--reports-dir", default=reports, help="where <drill>-<UTC time>/ is written (default loadtests/reports)")
        sp.add_argument("--keep", action="store_true", help="keep the work dir (node, PostgreSQL, front and SIPp logs); "
                        "kept anyway when the drill fails")
        sp.add_argument("--update-results", action="store_true",
                        help="write the figures into loadtests/RESULTS.md (otherwise the block is only printed)")

    fp = sub.add_parser("failover", help="3 nodes behind the front, calls held and probed, one node killed with kill -9",
                        formatter_class=__import__("argparse").RawDescriptionHelpFormatter, epilog=EPILOG)
    fp.add_argument("--calls", type=positive_int, default=300, help="fail-over calls through the front (default 300)")
    fp.add_argument("--hold", type=positive_int, default=40,
                    help="seconds each call is held, probed with an in-dialog OPTIONS every second (default 40)")
    fp.add_argument("--victim", default="2", help="node killed: 1, 2, 3 (default 2; 1 is the first seed) or busiest "
                    "(the node whose gateway read the most of the drill's INVITEs)")
    fp.add_argument("--session-expires", default="30s", help="SBC_SESSION_EXPIRES of the nodes (default 30s: the SBC "
                    "refreshes both legs with UPDATE every 15 s)")
    fp.add_argument("--goal-ms", type=positive_int, default=5000,
                    help="PASS needs every call of the dead node answered within this of the kill (default 5000)")
    common(fp)

    rp = sub.add_parser("rolling-upgrade", help="3 nodes behind the front under steady load, each in turn drained "
                        "(preStop), SIGTERMed and started again", formatter_class=__import__("argparse").RawDescriptionHelpFormatter,
                        epilog=EPILOG)
    rp.add_argument("--rate", type=positive_int, default=50, help="new calls/s through the front (default 50)")
    rp.add_argument("--hold", type=positive_int, default=30, help="seconds each call is held, probed every second; "
                    "the SBC refreshes both legs every 10 s (default 30)")
    rp.add_argument("--prestop-wait", type=int, default=5, help="SBC_PRESTOP_WAIT of deploy/prestop-drain.sh (default 5)")
    rp.add_argument("--stop-timeout", type=positive_int, default=60,
                    help="seconds from SIGTERM to SIGKILL, compose's stop_grace_period (default 60)")
    rp.add_argument("--settle", type=int, default=10, help="seconds after a restarted node is ready and Up before the next (default 10)")
    rp.add_argument("--lead", type=int, default=15, help="seconds of load before the first node goes (default 15)")
    rp.add_argument("--app-version", default=None,
                    help="SBC_APP_VERSION of the restarted nodes (Pekko app-version: shards move to the newest); default: unchanged")
    rp.add_argument("--nodes", default="1,2,3", help="order in which the nodes go (default 1,2,3)")
    common(rp)


def check(p, a):
    if not re.fullmatch(r"\d+[mM]", a.heap) or int(a.heap[:-1]) > 512:
        p.error(f"--heap at most 512m on this machine (3 nodes), got {a.heap}")
    if a.cmd == "failover":
        from .failover import check as fcheck
        fcheck(p, a)
    else:
        if a.rate > 300:
            p.error("--rate at most 300 calls/s")
        if not 5 <= a.hold <= 600:
            p.error("--hold between 5 and 600 s")
        if not 0 <= a.prestop_wait <= 60 or not 0 <= a.settle <= 300 or not 0 <= a.lead <= 300:
            p.error("--prestop-wait 0..60, --settle 0..300, --lead 0..300")
        order = a.nodes.split(",")
        if sorted(order) != sorted(set(order)) or not set(order) <= {"1", "2", "3"} or not order:
            p.error(f"--nodes: distinct node numbers 1..3 separated by commas, got {a.nodes!r}")
        if a.app_version is not None and not re.fullmatch(r"[\w.+-]{1,64}", a.app_version):
            p.error("--app-version: letters, digits and . _ + - only")


def run(a, command):
    from . import drillmd, report, targets
    from .drillkit import Drill, check_tools
    try:
        check_tools()
        jar = targets.find_node_jar(a.jar)
        import matplotlib  # noqa: F401
    except ImportError:
        procs.eprint("sbc-load: missing: python3-matplotlib (apt-get install python3-matplotlib)")
        return 2
    except ToolError as e:
        procs.eprint(f"sbc-load: {e}")
        return 2
    procs.install_signal_handlers()
    sup, ports = procs.Supervisor(), procs.Ports()
    ts = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    outdir = os.path.join(os.path.abspath(a.reports_dir), f"{a.cmd}-{ts}")
    work = tempfile.mkdtemp(prefix=f"sbc-{a.cmd}.", dir="/tmp")
    os.chmod(work, 0o755)  # PostgreSQL runs as user postgres and must reach its dir inside
    env = report.environment()
    env["ts"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    drill = Drill(sup, ports, work)
    log(f"{a.cmd}: report to {outdir}; work dir {work}")
    keep = a.keep
    rc = 2
    try:
        os.makedirs(outdir, exist_ok=True)
        if a.cmd == "failover":
            from .failover import run_failover
            res = run_failover(drill, a, jar)
        else:
            from .rolling import run_rolling
            res = run_rolling(drill, a, jar)
        sup.stop_all()
        summary, block = drillmd.write(a, drill, res, outdir, env, command)
        rc = 0 if res["pass"] else 1
        keep = keep or rc != 0
        report.show(summary, block, a.cmd, a.update_results)
        with open(os.path.join(outdir, "summary.json"), "w") as f:
            json.dump(_jsonable(res), f, indent=1, default=str)
        log(f"{'PASS' if rc == 0 else 'FAIL'}; report: {os.path.join(outdir, 'report.md')}")
        return rc
    except KeyboardInterrupt:
        log("interrupted: stopping everything this run started")
        keep = True
        return 130
    except ToolError as e:
        procs.eprint(f"sbc-load: {e}")
        keep = True
        return 2
    except Exception:  # a bug of the tool: say where, keep the logs, stop everything
        import traceback
        traceback.print_exc()
        procs.eprint("sbc-load: internal error (above); every process started is stopped")
        keep = True
        return 2
    finally:
        if drill.sampler:
            drill.sampler.stop()
        sup.stop_all()
        if keep:
            log(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _jsonable(o):
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    return o
