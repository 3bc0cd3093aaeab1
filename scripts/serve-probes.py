#!/usr/bin/env python3
"""Issue 16's probes of `vdm serve`, re-run as a hostile or careless client would, with the figures the issue asks
for: a lock-step probe client's latency while each probe runs, and the server's live heap after a full GC.

    scripts/serve-probes.sh            # builds the CLI jar if needed, about two minutes; prints a Markdown table

Each probe prints what it checked (PASS/FAIL with the observation). The latency client is this script's own thread
sending query-version lock-step on its own connection, so its figures include Python's overhead (some tens of
microseconds a round trip); they show whether a probe holds up other clients, not vdm's best latency
(scripts/qmp-external.sh measures that with a C client). Live heap: `jcmd PID GC.run`, then GC.heap_info's used.
Environment: VDM (the launcher, default ./vdm), HOSTADDR (default 0000:00:02.0, the built-in host's first
assignable endpoint), CLIENTS (64), PER_CLIENT (2000), CYCLES (10000).
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

VDM = os.environ.get("VDM", "./vdm")
HOSTADDR = os.environ.get("HOSTADDR", "0000:00:02.0")
CLIENTS = int(os.environ.get("CLIENTS", "64"))
PER_CLIENT = int(os.environ.get("PER_CLIENT", "2000"))
CYCLES = int(os.environ.get("CYCLES", "10000"))

results = []  # (probe, verdict, observation, latency text)


class Conn:
    """One QMP connection: greeting read, optionally negotiated; replies read line by line, events skipped."""

    def __init__(self, path, negotiate=True, timeout=30):
        self.s = socket.socket(socket.AF_UNIX)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.buf = b""
        self.events = []
        self.greeting = self.line()
        if negotiate:
            self.ask({"execute": "qmp_capabilities"})

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(1 << 16)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        l, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(l)
        except json.JSONDecodeError:
            # QEMU, and vdm after it, echo a number beyond a double as inf (%.17g), which Python's json does not read
            return json.loads(re.sub(rb"(?<=[:\[, ])(-?)inf\b", rb"\1Infinity", l))

    def send(self, raw):
        self.s.sendall(raw if isinstance(raw, bytes) else (json.dumps(raw) + "\n").encode())

    def reply(self):
        while True:
            m = self.line()
            if "event" in m:
                self.events.append(m)
            else:
                return m

    def ask(self, cmd):
        self.send(cmd)
        return self.reply()

    def close(self):
        self.s.close()


class LatencyProbe:
    """query-version lock-step on its own connection while a probe runs; latencies in microseconds."""

    def __init__(self, path):
        self.c = Conn(path)
        self.lat = []
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            t0 = time.perf_counter_ns()
            r = self.c.ask({"execute": "query-version"})
            self.lat.append((time.perf_counter_ns() - t0) / 1000)
            if "return" not in r:
                raise RuntimeError("latency probe got " + str(r))
            time.sleep(0.0005)

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        self.t.join(30)
        self.c.close()

    def text(self):
        if not self.lat:
            return "no round trip"
        q = sorted(self.lat)
        p = lambda f: q[min(len(q) - 1, int(f * len(q)))]
        return f"{len(q)} trips: p50 {p(0.5):.0f}, p99 {p(0.99):.0f}, max {q[-1]:.0f} us"


def record(probe, ok, observation, lat=None):
    results.append((probe, "PASS" if ok else "FAIL", observation, lat.text() if lat else ""))
    print(f"serve-probes: {'PASS' if ok else 'FAIL'} {probe}: {observation}", file=sys.stderr)


def live_heap(pid):
    subprocess.run(["jcmd", str(pid), "GC.run"], check=True, capture_output=True)
    out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], check=True, capture_output=True, text=True).stdout
    m = re.search(r"used (\d+)K", out)
    return int(m.group(1)) * 1024 if m else -1


def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) * 1024
    return -1


def mib(b):
    return f"{b / 1048576:.1f} MiB"


def mixed_load(path):
    """CLIENTS connections, PER_CLIENT commands each, lock-step, a mix of good, refused and malformed requests."""
    expected_errors = {
        b'{"execute": "nope"}\n': "CommandNotFound",
        b'{"execute": "x-vdm-config-read", "arguments": {"hostaddr": "' + HOSTADDR.encode()
        + b'", "offset": 4096, "size": 4}}\n': "GenericError",
        b'{"execute": "x-vdm-domain-destroy", "arguments": {"domid": 4294967297}}\n': "GenericError",
        b'{"execute": "query-pci", "arguments": {"x": 1}}\n': "GenericError",
        b'{"execute": "query-version" "id": 1}\n': "GenericError",
    }
    good = [b'{"execute": "query-version"}\n', b'{"execute": "query-pci"}\n', b'{"execute": "x-vdm-domain-list"}\n',
            b'{"execute": "x-vdm-config-read", "arguments": {"hostaddr": "' + HOSTADDR.encode()
            + b'", "offset": 0, "size": 4}}\n', b'{"execute": "query-commands"}\n']
    mix = [(g, None) for g in good] + list((k, v) for k, v in expected_errors.items())
    unexpected, lat, lock = [], [], threading.Lock()

    def client(n):
        c = Conn(path)
        mine = []
        for i in range(PER_CLIENT):
            raw, want = mix[(i * 7 + n) % len(mix)]
            t0 = time.perf_counter_ns()
            c.send(raw)
            r = c.reply()
            mine.append((time.perf_counter_ns() - t0) / 1000)
            got = r["error"]["class"] if "error" in r else None
            if got != want:
                with lock:
                    unexpected.append((raw, r))
        c.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return unexpected, sorted(lat), time.time() - t0


def main():
    d = tempfile.mkdtemp(prefix="vdm-serve-probes.")
    state = os.path.join(d, "state")
    os.mkdir(state)
    sock = os.path.join(d, "vdm.sock")
    err = open(os.path.join(d, "vdm.err"), "w")
    server = subprocess.Popen([VDM, "serve", "--qmp", "unix:" + sock, "--state-dir", state,
                               # the CLIENTS load clients beside this script's two connections and the idle-slot probe
                               "--max-connections", str(CLIENTS + 2)], stdout=subprocess.DEVNULL, stderr=err)
    try:
        for _ in range(600):
            if os.path.exists(sock):
                break
            if server.poll() is not None:
                sys.exit("serve-probes: vdm serve exited: " + open(os.path.join(d, "vdm.err")).read())
            time.sleep(0.1)
        pid = server.pid
        c = Conn(sock)
        heap0 = live_heap(pid)
        with LatencyProbe(sock) as idle:
            time.sleep(3)
        record("latency on an idle server", True, "baseline", idle)

        # 1. mixed load
        with LatencyProbe(sock) as lp:
            unexpected, lat, secs = mixed_load(sock)
        n = len(lat)
        record(f"{n:,} mixed commands from {CLIENTS} clients", not unexpected,
               f"{len(unexpected)} unexpected replies; {n / secs:,.0f} commands/s; per command p50 {lat[n // 2]:.0f}, "
               f"p99 {lat[int(n * 0.99)]:.0f}, max {lat[-1]:.0f} us" + (f"; first: {unexpected[0]}" if unexpected else ""), lp)
        heap_mixed = live_heap(pid)

        # 2. a 1,000,000-digit id, four at once
        big = b'{"execute": "query-version", "id": ' + b"9" * 1_000_000 + b"}\n"
        with LatencyProbe(sock) as lp:
            conns = [Conn(sock) for _ in range(4)]
            t0 = time.time()
            for k in conns:
                k.send(big)
            replies = [k.reply() for k in conns]
            secs = time.time() - t0
            for k in conns:
                k.close()
        ok = all("return" in r for r in replies)
        record("four 1,000,000-digit ids at once", ok and secs < 5, f"all four answered in {secs:.2f} s (id echoed as "
               f"{str(replies[0].get('id'))[:24]})", lp)

        # 3. files: FIFO, /dev/zero, 100 MB, symlink out, .. out
        os.mkfifo(os.path.join(state, "fifo.json"))
        os.symlink("/dev/zero", os.path.join(state, "zero.json"))
        with open(os.path.join(state, "big.json"), "wb") as f:
            f.truncate(100 * 1000 * 1000)
        os.symlink("/etc", os.path.join(state, "etc"))
        for name, why in [("fifo.json", "it is not a regular file"), ("zero.json", "is a symbolic link"),
                          ("big.json", "more than the 4194304"), ("etc/passwd", "is a symbolic link"),
                          ("../vdm.err", "'..' may not be used"), ("/etc/shadow", "not a file inside the state directory")]:
            with LatencyProbe(sock) as lp:
                t0 = time.time()
                r = c.ask({"execute": "x-vdm-snapshot-load", "arguments": {"file": name}})
                secs = time.time() - t0
            desc = r.get("error", {}).get("desc", "")
            record(f"x-vdm-snapshot-load {name}", why in desc and secs < 2 and "root" not in desc,
                   f"refused in {secs * 1000:.0f} ms: {desc}", lp)
        r = c.ask({"execute": "x-vdm-snapshot-save", "arguments": {"file": "/proc/self/fd/1"}})
        record("x-vdm-snapshot-save /proc/self/fd/1", "error" in r, r.get("error", {}).get("desc", "accepted"))

        # 4. connections that never negotiate take every free slot; the negotiation timeout frees them
        t0 = time.time()
        idle_conns, refused = [], None
        while refused is None and len(idle_conns) < 4 * CLIENTS:
            k = Conn(sock, negotiate=False)
            if "error" in k.greeting:
                refused = k.greeting["error"]["desc"]
                k.close()
            else:
                idle_conns.append(k)
        admitted = None
        while refused is not None and time.time() - t0 < 30:
            try:
                k = Conn(sock)
                if "error" not in k.greeting and "return" in k.ask({"execute": "query-version"}):
                    admitted = time.time() - t0
                    k.close()
                    break
                k.close()
            except Exception:
                pass
            time.sleep(0.25)
        for k in idle_conns:
            k.close()
        record(f"{len(idle_conns)} connections that never negotiate, every free slot", admitted is not None and admitted < 12,
               f"the next one refused ({refused}); a new client served {admitted:.1f} s after the slots were taken"
               if admitted is not None else f"no client served within 30 s (refusal: {refused})")

        # 5. unplugs whose client does not read
        dom = c.ask({"execute": "x-vdm-domain-create"})["return"]["domid"]
        c.ask({"execute": "x-vdm-assignable-add", "arguments": {"hostaddr": HOSTADDR}})
        add = {"execute": "device_add", "arguments": {"driver": "xen-pci-passthrough", "id": "nic0", "hostaddr": HOSTADDR, "domain": dom}}
        stuck = 0
        for i in range(200):
            r = c.ask(add)
            if "error" in r:
                stuck += 1
                break
            k = Conn(sock)
            k.send({"execute": "device_del", "arguments": {"id": "nic0"}})
            k.close()
            for _ in range(200):
                if not any(x["domid"] == dom and x["devices"] for x in c.ask({"execute": "x-vdm-domain-list"})["return"]):
                    break
                time.sleep(0.002)
            else:
                stuck += 1
        record("device_del then close without reading, 200 times", stuck == 0, f"{stuck} unplugs lost")
        r = c.ask(add)
        k = Conn(sock)
        for _ in range(200):
            k.send({"execute": "query-pci"})
        k.send({"execute": "device_del", "arguments": {"id": "nic0"}})
        t0, gone = time.time(), False
        while time.time() - t0 < 5 and not gone:
            gone = not any(x["domid"] == dom and x["devices"] for x in c.ask({"execute": "x-vdm-domain-list"})["return"])
        k.close()
        record("device_del behind 200 unread query-pci replies", gone, f"detached after {time.time() - t0:.3f} s while the client read nothing")

        # 6. HTTP
        h = socket.socket(socket.AF_UNIX)
        h.connect(sock)
        h.settimeout(5)
        h.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
        data = b""
        try:
            while True:
                x = h.recv(65536)
                if not x:
                    break
                data += x
        except socket.timeout:
            pass
        lines = [l for l in data.split(b"\n") if l.strip()]
        record("an HTTP request", len(lines) == 2 and b"error" in lines[1], f"{len(lines) - 1} error line(s), then the connection closed")
        heap_probes = live_heap(pid)

        # 7. attach/detach cycles: the served trace is a ring, so once it is full the live heap stays flat
        def cycles(n):
            for _ in range(n):
                c.ask(add)
                c.ask({"execute": "device_del", "arguments": {"id": "nic0"}})
        cycles(CYCLES)  # fills the trace ring (16,384 events) and warms the JIT
        heap_warm = live_heap(pid)
        with LatencyProbe(sock) as lp:
            t0 = time.time()
            cycles(CYCLES)
            secs = time.time() - t0
        heap_cycles = live_heap(pid)
        per = (heap_cycles - heap_warm) / CYCLES
        record(f"{CYCLES:,} attach/detach cycles after {CYCLES:,} more", abs(per) < 64, f"{CYCLES / secs:,.0f} cycles/s; live heap "
               f"{mib(heap_warm)} -> {mib(heap_cycles)}, {per:+.1f} B per cycle (first {CYCLES:,}: {mib(heap_probes)} -> "
               f"{mib(heap_warm)}, filling the ring)", lp)

        print("| probe | verdict | observation | probe client's query-version latency |")
        print("|---|---|---|---|")
        for p, v, o, l in results:
            print(f"| {p} | {v} | {o} | {l} |")
        print()
        print(f"Live heap after a full GC: {mib(heap0)} at start, {mib(heap_mixed)} after the mixed load, {mib(heap_probes)} "
              f"after the hostile probes, {mib(heap_cycles)} after {2 * CYCLES:,} cycles; RSS {mib(rss(pid))} (-Xmx1g).")
        c.ask({"execute": "quit"})
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(30)
    sys.exit(1 if any(v == "FAIL" for _, v, _, _ in results) else 0)


if __name__ == "__main__":
    main()
