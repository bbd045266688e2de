"""Shared pieces of the benchmark drivers (bench/run, bench/fanout.py): /proc readers,
child processes, CPU and memory sampling, one measured camgate-viewers run.
Standard library only."""
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
LOG_PREFIX = ["bench"]


def log(msg):
    print(f"[{LOG_PREFIX[0]}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc readers

def proc_cpu_s(pid):
    """user + system CPU seconds of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    # rest[0] is field 3 (state): utime and stime are fields 14 and 15.
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def proc_mem_kb(pid):
    """VmRSS and VmHWM (peak RSS) in KiB, from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def wait_until_idle(max_wait_s, busy_limit=25.0):
    """Waits (up to max_wait_s) for a second in which the host is at most busy_limit %
    busy, so other work on a shared machine does not skew the runs. Returns the last
    busy % seen."""
    start = time.monotonic()
    next_note = start
    while True:
        b0, t0 = machine_cpu()
        time.sleep(1.0)
        b1, t1 = machine_cpu()
        busy = 100.0 * (b1 - b0) / max(1, t1 - t0)
        now = time.monotonic()
        if busy <= busy_limit or now - start >= max_wait_s:
            return round(busy, 1)
        if now >= next_note:
            log(f"host {busy:.0f} % busy with other work: waiting (up to {max_wait_s:.0f} s)")
            next_note = now + 30


def machine_cpu():
    """(busy, total) jiffies over all cores, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class cpu_window:
    """CPU use of some processes between start() and stop(), in % of one core."""

    def __init__(self, pids):
        self.pids = pids
        self.start_cpu = {}
        self.result = {}

    def start(self):
        self.t0 = time.monotonic()
        self.start_cpu = {name: proc_cpu_s(pid) for name, pid in self.pids.items()}
        self.machine0 = machine_cpu()

    def stop(self):
        wall = time.monotonic() - self.t0
        for name, pid in self.pids.items():
            self.result[name] = round(100.0 * (proc_cpu_s(pid) - self.start_cpu[name]) / wall, 1)
        busy1, total1 = machine_cpu()
        busy = busy1 - self.machine0[0]
        total = total1 - self.machine0[1]
        # In % of the whole machine (100 = every core busy).
        self.result["machine_busy"] = round(100.0 * busy / total, 1) if total else 0.0
        self.result["wall_s"] = round(wall, 2)


# Kernel functions that only the receiving side of a TCP connection runs. Over loopback
# the sender's softirq runs them for its peer (here: the viewers' receive path, charged
# to whichever server sends); on two hosts the viewers' machine would.
RX_FRAMES = ("net_rx_action", "process_backlog", "__netif_receive_skb")


class rx_profile:
    """Samples one process with `perf record -g` (cpu-clock, kernel stacks) between
    start() and stop() and tells which share of its samples is loopback receive work
    (RX_FRAMES on the stack). share() is None when perf is missing or fails."""

    def __init__(self, pid, path):
        self.pid, self.path, self.proc = pid, str(path), None

    def start(self):
        try:
            self.proc = subprocess.Popen(
                ["perf", "record", "-q", "-e", "cpu-clock", "-F", "499", "-g", "-p",
                 str(self.pid), "-o", self.path],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            self.proc = None

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def share(self):
        """(rx samples / all samples, samples) or None."""
        if self.proc is None or self.proc.returncode not in (0, -signal.SIGINT):
            return None
        try:
            out = subprocess.run(["perf", "script", "-i", self.path, "-F", "ip,sym"],
                                 capture_output=True, text=True, timeout=120).stdout
        except (OSError, subprocess.TimeoutExpired):
            return None
        finally:
            for p in (self.path, self.path + ".old"):
                try:
                    os.unlink(p)
                except OSError:
                    pass
        total = rx = 0
        for sample in out.split("\n\n"):
            frames = sample.split()
            if not frames:
                continue
            total += 1
            rx += any(f.startswith(RX_FRAMES) for f in frames)
        return (rx / total, total) if total else None


def socket_queues(port):
    """Bytes queued on the gateway's TCP connections (/proc/net/tcp and tcp6): unsent or
    unacknowledged in the gateway's send queues, and received but not yet read by the
    viewers. Frames waiting for a slow viewer sit there, in the kernel, where the
    gateway's RSS does not show them."""
    send = recv = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local_port = int(fields[1].rsplit(":", 1)[1], 16)
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    tx, rx = (int(x, 16) for x in fields[4].split(":"))
                    if local_port == port:
                        send += tx
                    elif remote_port == port:
                        recv += rx
        except OSError:
            pass
    return send, recv


class rss_sampler(threading.Thread):
    """Every 100 ms the largest VmRSS of the gateway; every 500 ms the most bytes
    queued on its connections (see socket_queues; reading /proc/net/tcp with hundreds
    of sockets is not free, and this process shares the cores with the measurement)."""

    def __init__(self, pid, port):
        super().__init__(daemon=True)
        self.pid = pid
        self.port = port
        self.max_kb = 0
        self.queued_max_kb = 0
        self.send_max_kb = 0
        self.ticks = 0
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                self.max_kb = max(self.max_kb, proc_mem_kb(self.pid).get("VmRSS", 0))
            except OSError:
                return
            self.ticks += 1
            if self.ticks % 5 == 1:
                send, recv = socket_queues(self.port)
                self.queued_max_kb = max(self.queued_max_kb, (send + recv) // 1024)
                self.send_max_kb = max(self.send_max_kb, send // 1024)
            self.stop_event.wait(0.1)

    def stop(self):
        self.stop_event.set()
        self.join()


# ---------------------------------------------------------------- processes

class child:
    """A process whose first stdout line matching `ready` we wait for (None: no wait);
    all its output goes to a log file so pipes never fill."""

    def __init__(self, name, argv, ready, log_path, timeout=15):
        self.name = name
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log)
        lines = queue.Queue()

        def pump():
            for raw in self.proc.stdout:
                self.log.write(raw)
                self.log.flush()
                lines.put(raw.decode(errors="replace"))
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        self.match = None
        if ready is None:  # the caller checks readiness its own way
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                line = None
            if line is None:
                self.stop()
                raise RuntimeError(f"{name} did not start (see {log_path})")
            m = re.search(ready, line)
            if m:
                self.match = m
                break

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout, want=200, token=None):
    """Polls url until it answers `want`; raises after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            status, _ = http_json("GET", url, token=token, timeout=2)
            if status == want:
                return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer {want} within {timeout} s")
        time.sleep(0.1)


def open_stream(url, timeout):
    """A socket that has sent GET for an http:// stream URL; reads time out after timeout s."""
    host, port, path = re.match(r"http://([^:/]+):(\d+)(/.*)", url).groups()
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return s


def wait_stream(url, timeout, frames=5):
    """Reads an MJPEG stream until `frames` pictures (JPEG end markers) arrived."""
    deadline = time.monotonic() + timeout
    seen = 0
    with open_stream(url, timeout) as s:
        tail = b""
        while seen < frames:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: {seen} of {frames} pictures within {timeout} s")
            chunk = s.recv(262144)
            if not chunk:
                raise RuntimeError(f"{url}: the stream ended")
            seen += (tail + chunk).count(b"\xff\xd9")
            tail = chunk[-1:]


def gateway_metrics(base, token):
    """camgate_* samples of the gateway's /metrics as {name{labels}: value}; {} when it
    does not answer."""
    try:
        _, body = http_json("GET", f"{base}/metrics", token=token)
    except (urllib.error.URLError, OSError):
        return {}
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("camgate_"):
            key, _, value = line.rpartition(" ")
            try:
                out[key] = float(value)
            except ValueError:
                pass
    return out


def http_json(method, url, body=None, token=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return res.status, res.read()




def measure_viewers(argv, pids, port, on_mark=None, profile_rx=None):
    """Runs camgate-viewers (argv) against a server and measures it while the viewers'
    window is open. pids: {"gateway": server pid, "camsim": pid, ...}: CPU of each over
    the window; "gateway" is the server whose RSS and socket queues are sampled (port:
    its listening port). on_mark("start" / "stop"), if given, is called as the window
    opens and closes (to read other counters over the same window). Returns
    camgate-viewers' JSON with "gateway", "camsim", "others_cpu_percent" and the host's
    state added. profile_rx (a file path): also sample the server with perf over the
    window and add the share of its CPU that is the viewers' loopback receive work."""
    pids = dict(pids, driver=os.getpid())
    window = cpu_window(pids)
    profile = rx_profile(pids["gateway"], profile_rx) if profile_rx else None
    rss = rss_sampler(pids["gateway"], port)
    rss.start()  # from the first connection on: the ramp-up counts too
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_lines = []

    def watch_stderr():
        # camgate-viewers prints these two lines when its measuring window opens and closes.
        for raw in proc.stderr:
            line = raw.decode(errors="replace").strip()
            if line.endswith("measuring"):
                window.start()
                if profile:
                    profile.start()
                if on_mark:
                    on_mark("start")
            elif line.endswith("done"):
                window.stop()
                if profile:
                    profile.stop()
                rss.stop()
                if on_mark:
                    on_mark("stop")
            else:
                stderr_lines.append(line)

    watcher = threading.Thread(target=watch_stderr, daemon=True)
    watcher.start()
    out = proc.stdout.read()
    proc.wait()
    watcher.join()
    if rss.is_alive():
        rss.stop()
    if proc.returncode != 0 or not window.result:
        raise RuntimeError(f"camgate-viewers failed ({proc.returncode}): {' '.join(stderr_lines)}")
    result = json.loads(out)
    mem = proc_mem_kb(pids["gateway"])
    result["gateway"] = {
        "cpu_percent": window.result["gateway"],
        # Largest VmRSS seen while measuring: the figure to compare between runs.
        "rss_max_kb": rss.max_kb,
        # Peak RSS since the process started. With a fresh gateway that is this run,
        # but it includes the login: Argon2id password checks take ~64 MiB for a moment.
        "vm_hwm_kb": mem.get("VmHWM", 0),
        # Most bytes queued in the kernel on the viewer connections at once (gateway
        # send queues + viewers' unread receive queues), and the send side alone.
        "socket_queued_max_kb": rss.queued_max_kb,
        "send_queued_max_kb": rss.send_max_kb,
        "vm_rss_end_kb": mem.get("VmRSS", 0),
    }
    shared = profile.share() if profile else None
    if shared:
        # What the server would use if its viewers were on another host (their receive
        # path no longer runs in its softirq); an estimate, the same for every server.
        result["gateway"]["rx_share"] = round(shared[0], 3)
        result["gateway"]["rx_samples"] = shared[1]
        result["gateway"]["cpu_percent_without_rx"] = round(
            window.result["gateway"] * (1 - shared[0]), 1)
    result["camsim"] = {"cpu_percent": window.result.get("camsim", 0.0)}
    for name in pids:
        if name not in ("gateway", "camsim", "driver"):
            result[name] = {"cpu_percent": window.result[name]}
    result["machine_busy_percent"] = window.result["machine_busy"]
    # CPU that neither the processes measured, camgate-viewers nor this script used
    # (other work on the host), in % of one core: a run with much of it is disturbed.
    known = sum(window.result[name] for name in pids) + result["client"]["cpu_percent"]
    result["others_cpu_percent"] = round(
        max(0.0, window.result["machine_busy"] * (os.cpu_count() or 1) - known), 1)
    result["driver_cpu_percent"] = window.result["driver"]  # this script's sampling
    result["load_average"] = os.getloadavg()[0]
    result["measured_wall_s"] = window.result["wall_s"]
    if stderr_lines:
        result["viewer_stderr"] = stderr_lines[-5:]
    return result
