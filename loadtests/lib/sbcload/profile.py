"""`--jfr`: a Java Flight Recording of the node(s) over the measured steps (jcmd JFR.start with the
JDK's `profile` settings, JFR.stop at the end), then read back with the JDK's `jfr` tool:
execution samples by method (self: top frame; total: anywhere in the stack) and allocation samples
by allocated class and by allocation site (top frame, and the first frame outside the JDK)."""

import collections
import os
import re
import subprocess

from . import procs
from .procs import log

JDK_PREFIXES = ("java.", "javax.", "jdk.", "sun.", "com.sun.")
_UNITS = {"bytes": 1, "byte": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


class JfrSession:
    def __init__(self, java_pids, workdir):
        self.pids = dict(java_pids)
        self.dir = workdir
        self.files = {}
        self.results = {}

    def start(self):
        for name, pid in self.pids.items():
            path = os.path.join(self.dir, f"{name}.jfr")
            rc, out = procs.run_quiet(["jcmd", str(pid), "JFR.start", "name=sbcload", "settings=profile",
                                       f"filename={path}"], timeout=60)
            if rc == 0:
                self.files[name] = path
                log(f"JFR recording of {name} (pid {pid}) started -> {path}")
            else:
                log(f"JFR.start on {name} failed: {out.strip()[-300:]}")

    def stop(self):
        for name in list(self.files):
            rc, out = procs.run_quiet(["jcmd", str(self.pids[name]), "JFR.stop", "name=sbcload"], timeout=120)
            if rc != 0 or not os.path.exists(self.files[name]):
                log(f"JFR.stop on {name} failed: {out.strip()[-300:]}")
                del self.files[name]

    def analyse(self, top=15):
        for name, path in self.files.items():
            log(f"reading the JFR recording of {name} ({os.path.getsize(path) / 1048576:.1f} MB)")
            self.results[name] = analyse_file(path, top)


def _events(path, event, stack_depth):
    """Yields (fields, frames) per event of `jfr print` text output, read as a stream."""
    cmd = ["jfr", "print", "--events", event, "--stack-depth", str(stack_depth), path]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
    fields, frames, in_stack, depth = {}, [], False, 0
    try:
        for line in p.stdout:
            s = line.strip()
            if in_stack:
                if s.startswith("]"):
                    in_stack = False
                elif s and s != "...":
                    frames.append(re.sub(r"\s+line:.*$", "", s))
                continue
            if s.endswith("{"):
                depth += 1
                if depth == 1:
                    fields, frames = {}, []
                continue
            if s.startswith("stackTrace = ["):
                in_stack = not s.endswith("]")
                continue
            if s == "}":
                depth -= 1
                if depth == 0:
                    yield fields, frames
                continue
            if depth == 1 and " = " in s:
                k, v = s.split(" = ", 1)
                fields[k.strip()] = v.strip()
    finally:
        p.stdout.close()
        p.wait()


def _bytes(text):
    m = re.match(r"([\d.,]+)\s*(\S+)", text or "")
    if not m:
        return 0
    return float(m.group(1).replace(",", "")) * _UNITS.get(m.group(2), 1)


def _app_frame(frames):
    for f in frames:
        if not f.startswith(JDK_PREFIXES):
            return f
    return frames[0] if frames else "?"


def analyse_file(path, top=15):
    self_count, total_count = collections.Counter(), collections.Counter()
    n = 0
    for _, frames in _events(path, "jdk.ExecutionSample", 64):
        if not frames:
            continue
        n += 1
        self_count[frames[0]] += 1
        for f in set(frames):
            total_count[f] += 1
    by_class, by_site, by_app_site = collections.Counter(), collections.Counter(), collections.Counter()
    alloc_total = 0.0
    for fields, frames in _events(path, "jdk.ObjectAllocationSample", 24):
        w = _bytes(fields.get("weight"))
        cls = re.sub(r"\s*\(classLoader.*$", "", fields.get("objectClass", "?"))
        alloc_total += w
        by_class[cls] += w
        by_site[(frames[0] if frames else "?") + "  [" + cls + "]"] += w
        by_app_site[_app_frame(frames) + "  [" + cls + "]"] += w
    gc_count, gc_pause_ms = 0, 0.0
    for fields, _ in _events(path, "jdk.GarbageCollection", 1):
        gc_count += 1
        m = re.match(r"([\d.]+)\s*(ms|s|us)", fields.get("sumOfPauses", ""))
        if m:
            gc_pause_ms += float(m.group(1)) * {"ms": 1, "s": 1000, "us": 0.001}[m.group(2)]
    _, summary = procs.run_quiet(["jfr", "summary", path], timeout=120)
    return {"file": path, "samples": n,
            "self": [(m, c, 100.0 * c / n) for m, c in self_count.most_common(top)] if n else [],
            "total": [(m, c, 100.0 * c / n) for m, c in total_count.most_common(top)] if n else [],
            "alloc_total_mb": alloc_total / 1048576,
            "alloc_class": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in by_class.most_common(top)] if alloc_total else [],
            "alloc_site": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in by_site.most_common(top)] if alloc_total else [],
            "alloc_app_site": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in by_app_site.most_common(top)] if alloc_total else [],
            "gc_count": gc_count, "gc_pause_ms": gc_pause_ms,
            "summary": summary}
