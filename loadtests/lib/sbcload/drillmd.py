"""report.md of a drill and its block for loadtests/RESULTS.md."""

import os

from . import drillreport
from .report import f

REPORTS_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _shown(outdir):
    rel = os.path.relpath(outdir, REPORTS_PARENT)
    return outdir if rel.startswith("..") else rel


def _ms(v):
    return "n/a" if v is None else f"{v:,} ms"


def write(a, drill, res, outdir, env, command):
    callers = [s for n, s in drill.sipps.items() if n.startswith("uac-")]
    starts = [t for t, _, k in drill.events if k == "start"]
    t0 = starts[0] if starts else drill.events[0][0]
    ser = drillreport.series(drill, callers, t0)
    title = "failover" if a.cmd == "failover" else "rolling upgrade"
    made = drillreport.plots(drill, ser, t0, outdir, title)
    probes = ser["probe_all"]
    res["probe_rtt"] = {"n": len(probes), "p50": drillreport.percentile(probes, 0.5),
                        "p99": drillreport.percentile(probes, 0.99), "max": max(probes) if probes else None}
    verdict = "PASS" if res["pass"] else "FAIL"
    head = [f"# sbc-load {a.cmd}: {verdict}", "",
            f"- when: {env['ts']}; commit {env['commit']}; {env['cores']} cores ({env.get('cpu', '?')}), "
            f"load average at the start {' '.join(env.get('loadavg') or ['?'])}",
            f"- command: `{command}`",
            f"- cluster: {res['topology']}; heap {a.heap} per node"]
    if a.cmd == "failover":
        body, summary, block = _failover(a, res)
    else:
        body, summary, block = _rolling(a, res)
    rtt = res["probe_rtt"]
    body += ["", f"In-dialog OPTIONS probes answered: {rtt['n']:,}; response time p50 {f(rtt['p50'])} ms, "
             f"p99 {f(rtt['p99'])} ms, max {f(rtt['max'])} ms.", ""]
    lines = head + [""] + summary + [""] + body + ["## Moments", ""] + drillreport.events_table(drill, t0) + \
        ["", "## Plots", ""] + drillreport.plot_section(made)
    if res.get("differences"):
        lines += ["## Differences from deploy/compose.yaml", ""] + [f"- {d}" for d in res["differences"]] + [""]
    if res.get("errors"):
        lines += ["## Failures", "", "```"]
        for name, errs in res["errors"].items():
            for msg, n in errs:
                lines.append(f"{name}: {n} x {msg}")
        lines += ["```", "", f"Logs: {drill.work}", ""]
    with open(os.path.join(outdir, "report.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    rel = _shown(outdir)
    block = [f"### sbc-load {a.cmd}, {env['ts']} (commit {env['commit']}): {verdict}", "",
             f"`{command}`; {a.topology} topology; report `{rel}/report.md` (not in git).", ""] + block
    return "\n".join([f"sbc-load {a.cmd}: {verdict}", ""] + summary), "\n".join(block)


def _failover(a, res):
    t, s, rec = res["totals"], res["silent"], res["recovery"]
    summary = ["| measure | value |", "|---|---|",
               f"| victim | {res['victim']} (kill -9) |",
               f"| calls (answered / completed / failed) | {a.calls} ({t['answered']} / {t['completed']} / {t['failed']}) |",
               f"| **confirmed calls lost** | **{res['lost']}** (fail-over calls {t['lost']}, silent calls {s['lost']}) |",
               f"| silent calls BYEd on both legs | {min(s['bye_caller'], s['bye_callee'])} of {s['answered']} |",
               f"| **goal** | slowest call of the dead node answered {_ms(res['slowest_ms'])} after the kill "
               f"(goal {a.goal_ms:,} ms) |",
               _rec_row("kill -> first answered probe, calls whose entity was on the victim", rec["moved"]),
               _rec_row("the same, other calls > 2.5 s without an answer (legs on the victim's gateway)", rec["interrupted"]),
               _rec_row("the same, the remaining calls", rec["other"]),
               f"| victim removed from the cluster | {_ms(res['removed_ms'])} after the kill |"]
    body = ["## Calls", "", "| caller | calls answered | completed | failed | confirmed lost | SBC refreshes answered "
            "| INVITEs retried after 503 | done after the kill |", "|---|---|---|---|---|---|---|---|"]
    for r in res["callers"]:
        body.append(f"| {r['name']} | {r['answered']} | {r['completed']} | {r['failed']} | {r['lost']} | {r['refreshes']} "
                    f"| {r['retried']} | {r['done_ms']:,} ms |")
    body.append(f"| silent | {s['answered']} | BYE at caller {s['bye_caller']}, at callee {s['bye_callee']} | "
                f"{s['failed']} | {s['lost']} | - | - | {s['done_ms']:,} ms after set-up began |")
    ent = ", ".join(f"{k} {v}" for k, v in res["entities"].items())
    body += ["", "| measure | value |", "|---|---|",
             f"| warm-up | {res['warmup']} |",
             f"| call entities per node at the kill | {ent} ({a.calls} + {res['silent_calls']} calls) |",
             f"| INVITEs each gateway read during the drill | {', '.join(f'{k} {v}' for k, v in res['invites'].items())} |",
             f"| calls at the callee / answered at the caller at the kill | {res['at_uas_at_kill']} / {res['answered_at_kill']} |",
             f"| failed set-ups (no 200 at the caller) | {res['failed_setups']} |",
             f"| re-INVITEs at the callee / SBC refresh UPDATEs at the callee | {res['reinvites']} / {res['uas_updates']} |",
             f"| calls the SBC ended for lack of a refresh after the kill (leg/refresher) | {res['expiries']} |",
             f"| legs re-homed to a survivor's gateway (log lines) | {res['rehomed']} |",
             f"| calls recovered on the survivors (log) | {res['recovered']['n']}; first {_ms(res['recovered']['first'])}, "
             f"last {_ms(res['recovered']['last'])} after the kill |",
             f"| probes answered / unanswered within 1 s | {res['probes']['ok']:,} / {res['probes']['lost']:,} |",
             f"| load average at the kill | {' '.join(res['load_at_kill'])} |"]
    for name, m in res["node_metrics"].items():
        body.append(f"| {name} after the kill | calls woken +{m['calls_woken']}, sessions expired +{m['sessions_expired']}, "
                    f"transaction timeouts {m['transaction_timeouts']} |")
    body += ["", "PASS = no confirmed call lost (every call that got its 200 completed re-INVITE and BYE; every silent "
             "call got a BYE on both legs) and the slowest call of the dead node answered a probe within the goal."]
    m = rec["moved"]
    block = ["| victim | calls | failed / lost | moved calls answered after the kill: p50 / p99 / last | "
             "slowest of the dead node's calls | silent calls BYEd | removed after |", "|---|---|---|---|---|---|---|",
             f"| {res['victim']} | {a.calls} + {res['silent_calls']} silent | {t['failed']} / {res['lost']} | "
             f"{_ms(m['p50'])} / {_ms(m['p99'])} / {_ms(m['last'])} ({m['answered']} calls) | {_ms(res['slowest_ms'])} "
             f"(goal {a.goal_ms:,} ms) | {min(s['bye_caller'], s['bye_callee'])} of {s['answered']} | {_ms(res['removed_ms'])} |"]
    return body, summary, block


def _rec_row(label, g):
    if not g["answered"]:
        return f"| {label} | {g['calls']} calls, none answered after the kill |"
    return (f"| {label} | {g['calls']} calls, {g['answered']} answered after the kill: first {_ms(g['first'])}, "
            f"p50 {_ms(g['p50'])}, p90 {_ms(g['p90'])}, p99 {_ms(g['p99'])}, last {_ms(g['last'])} |")


def _rolling(a, res):
    t = res["totals"]
    summary = ["| measure | value |", "|---|---|",
               f"| calls attempted / completed / **failed** | {t['created']:,} / {t['completed']:,} / **{t['failed']}** |",
               f"| **established calls dropped** | **{t['dropped']}** |",
               f"| INVITEs retried after a 503 (draining node still in the front's list) | {t['retried']} |",
               f"| nodes restarted | {len(res['restarts'])} of {len(res['order'])} |"]
    if res.get("problem"):
        summary.append(f"| **problem** | {res['problem']} |")
    body = ["## Restarts", "", "| node | drain (preStop) | SIGTERM -> exit | exit status | start -> /ready | "
            "ready -> cluster Up | app-version | entities before -> after |", "|---|---|---|---|---|---|---|---|"]
    for r in res["restarts"]:
        body.append(f"| {r['node']} | {r['drain']} | {_ms(r['exit_ms'])} | {r['exit']} | {_ms(r['ready_ms'])} | "
                    f"{_ms(r['up_ms'])} | {r['app_version']} | {r['entities_before']} -> {r['entities_after']} |")
    body += ["", "| caller | calls | answered | completed | failed | dropped (answered, not completed) | retried after 503 "
             "| SBC refreshes answered |", "|---|---|---|---|---|---|---|---|"]
    for r in res["callers"]:
        body.append(f"| {r['name']} | {r['created']:,} | {r['answered']:,} | {r['completed']:,} | {r['failed']} | "
                    f"{r['dropped']} | {r['retried']} | {r['refreshes']:,} |")
    body += ["", f"Warm-up: {res['warmup']}.", "",
             "PASS = every node restarted and back, no call failed, no established call dropped."]
    rs = res["restarts"]
    block = ["| rate, hold | calls | failed | dropped | retried after 503 | SIGTERM -> exit (per node) | "
             "start -> ready (per node) |", "|---|---|---|---|---|---|---|",
             f"| {a.rate} cps, {a.hold} s | {t['created']:,} | {t['failed']} | {t['dropped']} | {t['retried']} | "
             f"{', '.join(_ms(r['exit_ms']) for r in rs)} | {', '.join(_ms(r['ready_ms']) for r in rs)} |"]
    return body, summary, block
