"""SIPp (Debian package sip-tester) as caller and callee, and what its files say.

Files read (SIPp 3.6):
  -trace_stat -stf FILE -fd 1   one ';'-separated row per second; cumulative (C) and periodic (P)
                                counters; time stamps "date<TAB>time<TAB>epoch".
  -trace_rtt -rtt_freq 1        <scenario>_<pid>_rtt.csv in the working directory:
                                "Date_ms;response_time_ms;rtd_no", Date_ms counted from SIPp's start.
uac.xml's response-time counters: rtd 1 = INVITE -> first response (100 Trying from a B2BUA or a
stateful proxy), rtd 2 = INVITE -> 200 OK.
"""

import glob
import os
import re
import resource

from . import procs

SCENARIOS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scenarios")


def scenario(name):
    p = os.path.join(SCENARIOS, name)
    if not os.path.isfile(p):
        raise procs.ToolError(f"SIPp scenario {p} missing")
    return p


def max_socket():
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        soft = 65536
    n = min(soft - 256, 50000)
    if n < 256:
        raise procs.ToolError(f"open files limit too low ({soft}); raise it with ulimit -n")
    return n


def start_uas(sup, name, scen, port, media_port, workdir, extra=(), timeout_s=None):
    """A callee that answers every call until stopped (no -m)."""
    os.makedirs(workdir, exist_ok=True)
    cmd = ["sipp", "-sf", scenario(scen), "-i", "127.0.0.1", "-p", str(port), "-t", "u1",
           "-mp", str(media_port), "-max_socket", str(max_socket()), "-nostdin",
           "-trace_err", "-error_file", os.path.join(workdir, "errors.log")]
    cmd += list(extra)
    if timeout_s:
        cmd += ["-timeout", f"{int(timeout_s)}s"]
    return sup.spawn(name, cmd, log_path=os.path.join(workdir, "screen.log"), cwd=workdir, grace=5)


def start_uac(sup, name, scen, target, port, media_port, rate, calls, limit, workdir, timeout_s, extra=()):
    os.makedirs(workdir, exist_ok=True)
    cmd = ["sipp", target, "-sf", scenario(scen), "-i", "127.0.0.1", "-p", str(port), "-t", "u1",
           "-mp", str(media_port), "-r", str(rate), "-m", str(calls), "-l", str(limit),
           "-max_socket", str(max_socket()), "-nostdin",
           "-trace_stat", "-stf", os.path.join(workdir, "stat.csv"), "-fd", "1",
           "-trace_rtt", "-rtt_freq", "1",
           "-trace_err", "-error_file", os.path.join(workdir, "errors.log"),
           "-timeout", f"{int(timeout_s)}s", "-timeout_error"]
    cmd += list(extra)
    return sup.spawn(name, cmd, log_path=os.path.join(workdir, "screen.log"), cwd=workdir, grace=5)


# ---------------------------------------------------------------- statistics files

def _epoch(stamp):
    return float(stamp.split("\t")[-1])


def read_stat(path):
    """Rows of a -trace_stat file as dicts with 't' (epoch seconds) and int counters."""
    try:
        with open(path, encoding="latin-1") as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip()]
    except OSError:
        return []
    if len(lines) < 2:
        return []
    head = lines[0].split(";")
    rows = []
    for ln in lines[1:]:
        vals = ln.split(";")
        if len(vals) < len(head) - 1:
            continue  # a row being written
        d = dict(zip(head, vals))
        try:
            row = {"t": _epoch(d["CurrentTime"]), "start": _epoch(d["StartTime"])}
        except (KeyError, ValueError, IndexError):
            continue
        for k in ("TotalCallCreated", "CurrentCall", "SuccessfulCall(C)", "FailedCall(C)", "Retransmissions(C)",
                  "FailedUnexpectedMessage(C)", "FailedMaxUDPRetrans(C)", "FailedTimeoutOnRecv(C)",
                  "OutOfCallMsgs(C)", "DeadCallMsgs(C)", "AutoAnswered(C)"):
            try:
                row[k] = int(d.get(k, "0") or 0)
            except ValueError:
                row[k] = 0
        rows.append(row)
    return rows


def last_row(path):
    rows = read_stat(path)
    return rows[-1] if rows else None


def read_rtt(workdir, start_epoch):
    """{1: [(epoch, ms), ...], 2: [...], ...} per rtd from the -trace_rtt file of the SIPp run in workdir."""
    out = {1: [], 2: [], 3: []}
    for path in glob.glob(os.path.join(workdir, "*_rtt.csv")):
        with open(path, encoding="latin-1") as f:
            next(f, None)
            for ln in f:
                parts = ln.strip().split(";")
                if len(parts) != 3:
                    continue
                try:
                    t, ms, rtd = float(parts[0]), float(parts[1]), int(parts[2])
                except ValueError:
                    continue
                if rtd in out:
                    out[rtd].append((start_epoch + t / 1000.0, ms))
    for v in out.values():
        v.sort()
    return out


_UNEXPECTED = re.compile(r"(?:Continuing|Aborting) call on (?:an )?unexpected")


def unexpected_count(workdir):
    """Messages SIPp did not expect (late 180 after the 200, stray requests), from its -trace_err file."""
    try:
        with open(os.path.join(workdir, "errors.log"), encoding="latin-1") as f:
            return len(_UNEXPECTED.findall(f.read()))
    except OSError:
        return 0


def percentile(values, p):
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    s = sorted(values)
    k = max(1, -(-len(s) * p // 100))
    return s[int(k) - 1]
