#!/usr/bin/env python3
"""Booking-end cut latency: N WebSocket viewers of one user whose booking ends in the
same second; how long after the end each stream is closed (4001 "booking ended").

Starts camgate-camsim and camgate from <build>/bin on 127.0.0.1, books the user, runs
camgate-bench-cut and prints its JSON (also written to bench/results/).

  bench/booking_cut.py --build build --count 1000
"""
import argparse, json, os, resource, subprocess, sys, tempfile, time, re, urllib.request

def start(cmd, pattern, env=None):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         preexec_fn=raise_nofile, env=env)
    deadline = time.time() + 20
    for line in p.stdout:
        m = re.search(pattern, line)
        if m:
            return p, m
        if time.time() > deadline:
            break
    p.kill()
    sys.exit(f"{cmd[0]} did not start")

def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))

def api(port, method, path, token=None, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                 data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--lead", type=int, default=15, help="seconds from now to the booking's end")
    ap.add_argument("--out", help="JSON file (default bench/results/booking-cut-<time>.json)")
    a = ap.parse_args()
    bindir = os.path.join(a.build, "bin")
    data = tempfile.mkdtemp(prefix="camgate-cut-")
    for name, role, pw in (("admin", "admin", "admin-password-1"), ("bench", "user", "bench-password-1")):
        subprocess.run([f"{bindir}/camgate", "user", "add", name, "--role", role, "--password-stdin",
                        "--data", data], input=pw + "\n", text=True, check=True, capture_output=True)
    cfg = os.path.join(data, "camgate.toml")
    with open(cfg, "w") as f:
        f.write("[limits]\nstreams_per_user = 0\napi_per_second_user = 0\n[access]\nwarn_before_s = 5\n")
    cam, m = start([f"{bindir}/camgate-camsim", "--listen", "127.0.0.1:0", "--resolution", "320x240",
                    "--fps", "2"], r"capture_port=(\d+)")
    cam_port = int(m.group(1))
    gw, m = start([f"{bindir}/camgate", "serve", "--listen", "127.0.0.1:0", "--data", data,
                   "--config", cfg, "--log-level", "warn"], r"listening on http://[^:]+:(\d+)")
    port = int(m.group(1))
    try:
        admin = api(port, "POST", "/auth/login", body={"username": "admin", "password": "admin-password-1"})["access_token"]
        user = api(port, "POST", "/auth/login", body={"username": "bench", "password": "bench-password-1"})["access_token"]
        cam_id = api(port, "POST", "/api/cameras", admin, {"ip_address": "127.0.0.1", "port": cam_port})["camera"]["id"]
        ends = int(time.time()) + a.lead
        api(port, "POST", "/api/bookings", admin, {"username": "bench", "resource": f"camera:{cam_id}",
            "starts_at": int(time.time()) - 5, "ends_at": ends})
        gw_ticks0 = cpu_ticks(gw.pid)
        out = subprocess.run([f"{bindir}/camgate-bench-cut", "--port", str(port), "--target",
                              f"/api/cameras/{cam_id}/ws?format=binary", "--token", user,
                              "--count", str(a.count), "--deadline-ms", str(ends * 1000)],
                             capture_output=True, text=True, preexec_fn=raise_nofile)
        result = json.loads(out.stdout)
        result["gateway_cpu_s"] = (cpu_ticks(gw.pid) - gw_ticks0) / os.sysconf("SC_CLK_TCK")
        result["machine"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}
        print(json.dumps(result, indent=2))
        out_path = a.out or time.strftime("bench/results/booking-cut-%Y%m%dT%H%M%SZ.json", time.gmtime())
        os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
        with open(out_path, "w") as f:
            json.dump(result, f, indent=2)
        return out.returncode
    finally:
        gw.terminate(); cam.terminate()
        gw.wait(); cam.wait()

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])

if __name__ == "__main__":
    sys.exit(main())
