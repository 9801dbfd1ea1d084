"""Once a second: CPU of the server's processes (from /proc/<pid>/stat), its memory (Java heap from
/metrics, Kamailio's shared memory), calls it holds, and the CPU of SIPp beside it."""

import os
import threading
import time

from . import procs


class Sampler(threading.Thread):
    def __init__(self, target, interval=1.0):
        super().__init__(name="sampler", daemon=True)
        self.target = target
        self.interval = interval
        # {"t", "cpu": {name: % of one core}, "infra": {...}, "sipp": %, "machine": % (all processes), "mem", "active"}
        self.rows = []
        self.sipp_meters = {}   # name -> CpuMeter, set by whoever runs SIPp
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self._prev = None
        self.tool = procs.CpuMeter(os.getpid())  # this tool itself: not "other" CPU

    def _read(self):
        kids = procs.children_map()
        now = time.time()
        cpu = {n: m.seconds(kids) for n, m in self.target.meters.items()}
        infra = {n: m.seconds(kids) for n, m in self.target.infra_meters.items()}
        with self.lock:
            sipp = sum(m.seconds(kids) for m in self.sipp_meters.values())
        busy = procs.machine_busy_seconds()
        if busy is not None:
            busy -= self.tool.seconds()
        return now, cpu, infra, sipp, busy

    def run(self):
        self._prev = self._read()
        while not self.halt.wait(self.interval):
            cur = self._read()
            try:
                mem, active = self.target.sample()
            except Exception:  # a sample lost is not worth ending the run
                mem, active = {}, None
            t0, cpu0, infra0, sipp0, busy0 = self._prev
            t1, cpu1, infra1, sipp1, busy1 = cur
            dt = max(t1 - t0, 1e-3)
            row = {"t": t1,
                   "cpu": {n: 100.0 * (cpu1[n] - cpu0.get(n, cpu1[n])) / dt for n in cpu1},
                   "infra": {n: 100.0 * (infra1[n] - infra0.get(n, infra1[n])) / dt for n in infra1},
                   "sipp": 100.0 * max(sipp1 - sipp0, 0) / dt,
                   "machine": 100.0 * (busy1 - busy0) / dt if busy0 is not None and busy1 is not None else None,
                   "mem": mem, "active": active}
            with self.lock:
                self.rows.append(row)
            self._prev = cur

    def add_sipp(self, name, pid):
        with self.lock:
            self.sipp_meters[name] = procs.CpuMeter(pid)

    def snapshot(self):
        with self.lock:
            return list(self.rows)

    def stop(self):
        self.halt.set()
        if self.is_alive():
            self.join(5)
