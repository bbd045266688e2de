#!/usr/bin/env python3
"""Profiles camgate's Socket.IO relay: one robot and a few viewers relaying ice-candidates
(camgate-signaling-load --mode relay, the load of `bench/signaling/run.mjs --client cpp`).

  bench/signaling/profile_relay.py [--bin build/bin/camgate] [--tool callgrind|perf]
                                   [--rate 100] [--duration 5] [--viewers 20] [--top 25]

callgrind (default): camgate runs under valgrind; the counters are zeroed when the load
starts measuring and dumped when it is done, so startup and setup are left out. Prints
instructions per relayed message (each viewer->robot->viewer round trip relays two) and
the top functions by own instructions (callgrind_annotate).
perf: camgate runs natively at --rate (1000 by default for this tool); `perf record -g`
samples it over the measured window. Prints CPU per relayed message and `perf report`'s
top symbols (self), children folded in.

The build should be RelWithDebInfo with -DCAMGATE_BUILD_BENCH=ON (camgate-signaling-load
next to camgate). Everything runs on 127.0.0.1 with an ephemeral port.
"""
import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ADMIN = ("admin", "bench-admin-password-1")
ROBOT = "robot-1"
# Same limits as bench/signaling/run.mjs: the load must not meet a rate limit.
CONFIG = """[robots]
media = "p2p"
[limits]
login_per_minute_ip = 6000
login_per_minute_user = 6000
login_burst = 1000
api_per_second_user = 0
[signaling]
connections_per_user = 20000
max_connections = 30000
pending_per_address = 100000
messages_per_second = 10000
message_burst = 10000
"""


def post_json(url, body, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def wait_line(stream, pattern, timeout_s, sink=None):
    """Reads lines until one matches; returns the match."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        line = stream.readline()
        if not line:
            raise RuntimeError(f"stream ended before {pattern!r}")
        if sink is not None:
            sink.append(line)
        m = re.search(pattern, line)
        if m:
            return m
    raise RuntimeError(f"timeout waiting for {pattern!r}")


def self_costs(path):
    """Total Ir and each function's own Ir from a callgrind dump (its cost lines that are
    not calls); callgrind_annotate 3.19 folds everything into io_context::run here."""
    names, by_fn, fn, total, after_call = {}, {}, None, 0, False
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("fn="):
                m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
                if m.group(2):
                    names[m.group(1)] = m.group(2)
                fn = names.get(m.group(1), m.group(1))
            elif line.startswith("calls="):
                after_call = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False  # the call's inclusive cost
                    continue
                parts = line.split()
                if len(parts) >= 2 and fn is not None:
                    by_fn[fn] = by_fn.get(fn, 0) + int(parts[1])
            elif line.startswith("summary:"):
                total = int(line.split()[1])
            elif line.startswith(("cfn=", "cfi=", "cfl=", "cob=")):
                # Defines compressed names used later by fn= lines too.
                m = re.match(r"cfn=\((\d+)\) (.*)", line.rstrip("\n"))
                if m:
                    names[m.group(1)] = m.group(2)
    return total or sum(by_fn.values()), by_fn


def short(name, width=140):
    """A C++ name without template arguments and parameters, for a one-line table."""
    out, depth = [], 0
    for c in name:
        if c in "<(":
            if depth == 0:
                out.append("<>" if c == "<" else "()")
            depth += 1
        elif c in ">)":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(c)
    return "".join(out)[:width]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source = os.path.abspath(os.path.join(here, "..", ".."))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(source, "build", "bin", "camgate"))
    ap.add_argument("--load-bin", default=None)
    ap.add_argument("--tool", choices=["callgrind", "perf"], default="callgrind")
    ap.add_argument("--rate", type=int, default=None, help="messages/s (callgrind 100, perf 1000)")
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--warmup", type=float, default=1)
    ap.add_argument("--viewers", type=int, default=20)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--keep", default=None, help="directory to keep the profile in")
    o = ap.parse_args()
    rate = o.rate or (100 if o.tool == "callgrind" else 1000)
    load_bin = o.load_bin or os.path.join(os.path.dirname(os.path.abspath(o.bin)), "camgate-signaling-load")

    work = tempfile.mkdtemp(prefix="camgate-relayprof-")
    data = os.path.join(work, "data")
    os.mkdir(data)
    server = load = None
    try:
        subprocess.run([o.bin, "user", "add", ADMIN[0], "--role", "admin", "--password-stdin", "--data", data],
                       input=ADMIN[1] + "\n", text=True, check=True, capture_output=True)
        config = os.path.join(data, "camgate.toml")
        with open(config, "w") as f:
            f.write(CONFIG)
        serve = [o.bin, "serve", "--listen", "127.0.0.1:0", "--data", data, "--config", config,
                 "--log-level", "warn", "--web-root", os.path.join(source, "web")]
        out_file = os.path.join(work, "callgrind.out")
        if o.tool == "callgrind":
            serve = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                     "--dump-instr=no", "--separate-threads=no"] + serve
        server = subprocess.Popen(serve, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        m = wait_line(server.stdout, r"listening on https?://[^:]+:(\d+)", 300)
        url = f"http://127.0.0.1:{m.group(1)}"
        admin = post_json(f"{url}/auth/login", {"username": ADMIN[0], "password": ADMIN[1]})["access_token"]
        enrolled = post_json(f"{url}/api/robots", {"name": ROBOT}, admin)
        robot = post_json(f"{url}/auth/login", {"username": ROBOT, "password": enrolled["credential"]})["access_token"]

        load = subprocess.Popen(
            [load_bin, "--mode", "relay", "--url", url, "--token", admin, "--robot-token", robot,
             "--robot-id", ROBOT, "--user-id", "viewer", "--viewers", str(o.viewers), "--rate", str(rate),
             "--duration", str(o.duration), "--warmup", str(o.warmup), "--connect-timeout", "120",
             "--drain", "30"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        log = []
        wait_line(load.stderr, r"^READY", 300, log)
        wait_line(load.stderr, r"^MEASURING", 300, log)
        perf = None
        if o.tool == "callgrind":
            # A dump now resets the counters: the next one holds the window alone.
            subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True, capture_output=True)
        else:
            perf_data = os.path.join(work, "perf.data")
            perf = subprocess.Popen(["perf", "record", "-g", "-o", perf_data, "-p", str(server.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            t0, c0 = time.time(), cpu_ticks(server.pid)
        wait_line(load.stderr, r"^DONE", o.duration + 600, log)
        messages = 2 * round(rate * o.duration)  # relayed: viewer->robot and back
        if o.tool == "callgrind":
            time.sleep(1)  # the last answers
            subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True, capture_output=True)
        else:
            wall, cpu = time.time() - t0, (cpu_ticks(server.pid) - c0) / os.sysconf("SC_CLK_TCK")
            perf.send_signal(signal.SIGINT)
            perf.wait()
        result = json.loads(load.communicate(timeout=120)[0] or "{}")
        rtt = result.get("rtt_us", {})
        print(f"relayed {messages} messages at {rate}/s ({o.viewers} viewers), "
              f"lost {result.get('lost', '?')}, rtt p50 {rtt.get('p50')} µs p99 {rtt.get('p99')} µs")

        if o.tool == "callgrind":
            dumps = sorted(glob.glob(out_file + ".*"), key=os.path.getmtime)
            if not dumps:
                raise RuntimeError("no callgrind dump")
            ir, by_fn = self_costs(dumps[-1])
            print(f"instructions: {ir:,} in the window, {ir / messages:,.0f} per relayed message")
            print(f"top {o.top} functions by own instructions (per relayed message, share):")
            for name, cost in sorted(by_fn.items(), key=lambda kv: -kv[1])[: o.top]:
                print(f"  {cost / messages:8,.0f}  {100 * cost / ir:5.1f} %  {short(name)}")
            if o.keep:
                os.makedirs(o.keep, exist_ok=True)
                shutil.copy(dumps[-1], o.keep)
        else:
            print(f"server CPU {100 * cpu / wall:.1f} % of a core, {cpu * 1e6 / messages:.1f} µs per relayed message")
            report = subprocess.run(["perf", "report", "-i", perf_data, "--no-children", "--stdio", "-g", "none",
                                     "--percent-limit", "0.7"], capture_output=True, text=True).stdout
            print(f"perf top symbols (self):")
            shown = 0
            for ln in report.splitlines():
                if ln.strip() and not ln.startswith("#") and shown < o.top:
                    print("  " + ln.strip()[:160])
                    shown += 1
            if o.keep:
                os.makedirs(o.keep, exist_ok=True)
                shutil.copy(perf_data, o.keep)
    finally:
        for p in (load, server):
            if p and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
