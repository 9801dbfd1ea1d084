"""`--jfr`: a Java Flight Recording of the node(s) over the measured steps (recording from the JVM's
start with the JDK's `profile` settings, dumped for the steps' time at the end), then read back with the JDK's `jfr` tool:
execution samples by method (self: top frame; total: anywhere in the stack) and allocation samples
by allocated class and by allocation site (top frame, and the first frame outside the JDK)."""

import collections
import os
import re
import subprocess
import time

from . import procs
from .procs import log

JDK_PREFIXES = ("java.", "javax.", "jdk.", "sun.", "com.sun.")
# what a frame belongs to, first match wins (for "where the time goes")
COMPONENTS = [("io.sbc.", "SBC code (io.sbc)"), ("gov.nist.", "JAIN-SIP parser/encoder (gov.nist)"),
              ("org.h2.", "H2 journal database (org.h2)"), ("slick.", "Slick (JDBC journal)"),
              ("org.apache.pekko.persistence.", "Pekko Persistence"), ("org.apache.pekko.cluster.", "Pekko Cluster/Sharding"),
              ("org.apache.pekko.remote.", "Pekko remoting"), ("org.apache.pekko.", "Pekko actors/streams"),
              ("io.netty.", "Netty"), ("com.zaxxer.hikari.", "HikariCP"), ("com.fasterxml.jackson.", "Jackson"),
              ("io.micrometer.", "Micrometer"), ("com.typesafe.config.", "Typesafe Config")]
PLUMBING = JDK_PREFIXES + ("scala.",)


def component(frame):
    for prefix, name in COMPONENTS:
        if frame.startswith(prefix):
            return name
    if frame.startswith(PLUMBING):
        return "JDK / Scala library only"
    return frame.split("(")[0].rsplit(".", 2)[0]
_UNITS = {"bytes": 1, "byte": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


JVM_FLAG = "-XX:StartFlightRecording=name=sbcload,settings={settings},disk=true,maxage=2h"


class JfrSession:
    """The node JVMs record from their start (JVM_FLAG: starting a recording under load stalls the
    node for seconds); at the end only the measured steps are dumped (JFR.dump begin=-<seconds>s)."""

    def __init__(self, java_pids, workdir):
        self.pids = dict(java_pids)
        self.dir = workdir
        self.files = {}
        self.results = {}
        self.t0 = None

    def start(self):
        self.t0 = time.time()
        log("JFR: the measured steps start now (the node records since its start; dumped at the end)")

    def stop(self):
        seconds = int(time.time() - self.t0) + 1
        for name, pid in self.pids.items():
            path = os.path.join(self.dir, f"{name}.jfr")
            rc, out = procs.run_quiet(["jcmd", str(pid), "JFR.dump", "name=sbcload", f"filename={path}",
                                       f"begin=-{seconds}s"], timeout=120)
            if rc == 0 and os.path.exists(path):
                self.files[name] = path
            else:
                log(f"JFR.dump of {name} failed: {out.strip()[-300:]}")

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


def _app_frame(frames, plumbing=JDK_PREFIXES):
    for f in frames:
        if not f.startswith(plumbing):
            return f
    return frames[0] if frames else "?"


def analyse_file(path, top=15):
    self_count, total_count = collections.Counter(), collections.Counter()
    caller_count, by_component, sbc_total = collections.Counter(), collections.Counter(), collections.Counter()
    n = 0
    for _, frames in _events(path, "jdk.ExecutionSample", 64):
        if not frames:
            continue
        n += 1
        self_count[frames[0]] += 1
        owner = _app_frame(frames, PLUMBING)
        caller_count[owner] += 1
        by_component[component(owner)] += 1
        for f in set(frames):
            total_count[f] += 1
            if f.startswith("io.sbc."):
                sbc_total[f] += 1
    by_class, by_site, by_app_site = collections.Counter(), collections.Counter(), collections.Counter()
    alloc_component = collections.Counter()
    alloc_total = 0.0
    for fields, frames in _events(path, "jdk.ObjectAllocationSample", 24):
        w = _bytes(fields.get("weight"))
        cls = re.sub(r"\s*\(classLoader.*$", "", fields.get("objectClass", "?"))
        alloc_total += w
        by_class[cls] += w
        by_site[(frames[0] if frames else "?") + "  [" + cls + "]"] += w
        by_app_site[_app_frame(frames) + "  [" + cls + "]"] += w
        alloc_component[component(_app_frame(frames, PLUMBING))] += w
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
            "caller": [(m, c, 100.0 * c / n) for m, c in caller_count.most_common(top)] if n else [],
            "component": [(m, c, 100.0 * c / n) for m, c in by_component.most_common()] if n else [],
            "sbc_total": [(m, c, 100.0 * c / n) for m, c in sbc_total.most_common(top)] if n else [],
            "alloc_total_mb": alloc_total / 1048576,
            "alloc_component": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in alloc_component.most_common()] if alloc_total else [],
            "alloc_class": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in by_class.most_common(top)] if alloc_total else [],
            "alloc_site": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in by_site.most_common(top)] if alloc_total else [],
            "alloc_app_site": [(k, v / 1048576, 100.0 * v / alloc_total) for k, v in by_app_site.most_common(top)] if alloc_total else [],
            "gc_count": gc_count, "gc_pause_ms": gc_pause_ms,
            "summary": summary}
