#!/usr/bin/env python3
"""camgate fan-out benchmark: one simulated camera, many viewers, one machine.

Starts camgate-camsim (1280x720 @ 30 fps) and camgate on ephemeral ports with a fresh
data directory, then drives camgate-viewers through these scenarios:

  (a) fanout    MJPEG at 1, 10, 50, 100, 200, 300, 500 viewers; stops growing once
                fewer than 95 % of the viewers keep >= 29 fps
  (b) latency   100 MJPEG viewers: latency, gateway CPU and RSS
  (c) slow      100 fast viewers, then 90 fast + 10 reading 1 frame/s
  (d) ws        100 WebSocket viewers, binary vs text (base64 data URLs)
  (e) snapshot  10 keep-alive clients asking for snapshots back to back

Each run gets a freshly started gateway (unless --reuse-gateway), so memory an earlier
run left in the allocator does not count against the next. Writes JSON to
bench/results/fanout-<time>.json and prints a markdown table. Exits 1 when a run had
errors, disconnects or bad frames. Standard library only. See bench/README.md.
"""
import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
from datetime import datetime, timezone
from pathlib import Path

import harness
from harness import child, http_json, log, measure_viewers, proc_mem_kb, wait_until_idle

REPO = Path(__file__).resolve().parent.parent
harness.LOG_PREFIX[0] = "fanout"
PASSWORD = "pw-12345678"
FANOUT_STEPS = [1, 10, 50, 100, 200, 300, 500]


class bench_env:
    def __init__(self, args):
        self.args = args
        self.bin = Path(args.build_dir) / "bin"
        for exe in ("camgate", "camgate-camsim", "camgate-viewers"):
            if not (self.bin / exe).exists():
                sys.exit(f"fanout: {self.bin / exe} is missing: build the targets camgate "
                         "camgate-camsim camgate-viewers first (see bench/README.md)")
        self.tmp = Path(tempfile.mkdtemp(prefix="camgate-bench-"))
        self.data = self.tmp / "data"
        self.config = self.tmp / "camgate.toml"
        # Every viewer is the same user: no per-user caps.
        lines = ['[log]', 'level = "warn"', '[limits]', 'streams_per_user = 0',
                 'api_per_second_user = 0']
        if args.gateway_threads:
            lines = ["[server]", f"threads = {args.gateway_threads}"] + lines
        self.config.write_text("\n".join(lines) + "\n")
        self.camsim = None
        self.gateway = None

    def start_camsim(self):
        self.camsim = child(
            "camsim",
            [str(self.bin / "camgate-camsim"), "--listen", "127.0.0.1:0",
             "--resolution", self.args.resolution, "--fps", str(self.args.fps)],
            r"capture_port=(\d+) stream_port=(\d+)", self.tmp / "camsim.log")
        self.capture_port = int(self.camsim.match.group(1))
        log(f"camsim pid {self.camsim.pid} on port {self.capture_port}")

    def setup_data(self):
        camgate = str(self.bin / "camgate")
        subprocess.run([camgate, "user", "add", "admin", "--role", "admin", "--password-stdin",
                        "--data", str(self.data)], input=f"{PASSWORD}\n".encode(), check=True,
                       stdout=subprocess.DEVNULL)
        subprocess.run([camgate, "camera", "add", "--name", "bench", "--host", "127.0.0.1",
                        "--port", str(self.capture_port), "--data", str(self.data)],
                       check=True, stdout=subprocess.DEVNULL)

    def start_gateway(self):
        self.gateway = child(
            "camgate",
            [str(self.bin / "camgate"), "serve", "--listen", "127.0.0.1:0",
             "--data", str(self.data), "--config", str(self.config)],
            r"listening on http://([\d.]+):(\d+)", self.tmp / "camgate.log")
        self.port = int(self.gateway.match.group(2))
        self.base = f"http://127.0.0.1:{self.port}"
        _, body = http_json("POST", f"{self.base}/auth/login",
                            {"username": "admin", "password": PASSWORD})
        self.token = json.loads(body)["access_token"]
        # The camera must deliver before a run starts, or the first viewers measure
        # the upstream connection instead of the fan-out.
        deadline = time.monotonic() + 15
        while True:
            try:
                status, _ = http_json("GET", f"{self.base}/api/cameras/1/snapshot", token=self.token)
                if status == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway got no frame from camsim within 15 s")
            time.sleep(0.2)

    def stop_gateway(self):
        if self.gateway:
            self.gateway.stop()
            self.gateway = None

    def metrics(self):
        """camgate_* samples of /metrics as {name{labels}: value}."""
        return harness.gateway_metrics(self.base, self.token)

    def camsim_stats(self):
        try:
            _, body = http_json("GET", f"http://127.0.0.1:{self.capture_port}/camsim/stats")
            return json.loads(body)
        except (urllib.error.URLError, OSError, ValueError):
            return {}

    def close(self):
        self.stop_gateway()
        if self.camsim:
            self.camsim.stop()
        if not self.args.keep_tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")

    # ---------------------------------------------------------------- one run

    def run(self, name, mode, viewers, duration, warmup, slow_fraction=0.0, slow_fps=1.0):
        fresh = not self.args.reuse_gateway or self.gateway is None
        if fresh:
            self.stop_gateway()
        idle_busy = wait_until_idle(self.args.wait_idle) if self.args.wait_idle else None
        if fresh:
            self.start_gateway()
        path = {"mjpeg": "stream", "ws-binary": "ws", "ws-text": "ws", "snapshot": "snapshot"}[mode]
        url = f"{self.base}/api/cameras/1/{path}?access_token={self.token}"
        if mode == "ws-binary":
            url += "&format=binary"
        argv = [str(self.bin / "camgate-viewers"), "--url", url, "--mode", mode,
                "--viewers", str(viewers), "--duration", str(duration), "--warmup", str(warmup),
                "--threads", str(self.args.viewer_threads)]
        if slow_fraction > 0:
            argv += ["--slow-fraction", str(slow_fraction), "--slow-fps", str(slow_fps)]
        log(f"{name}: {mode} x{viewers}" + (f" ({slow_fraction:.0%} at {slow_fps} fps)" if slow_fraction else ""))

        pids = {"gateway": self.gateway.pid, "camsim": self.camsim.pid}
        metrics_before = self.metrics()
        result = measure_viewers(argv, pids, self.port)
        metrics_after = self.metrics()
        skipped_key = next((k for k in metrics_after if k.startswith("camgate_camera_frames_skipped_total")), None)
        result["name"] = name
        result["gateway"]["fresh_process"] = fresh
        # The gateway's own count of frames it did not send to a viewer that was behind.
        result["gateway"]["frames_skipped"] = (
            metrics_after.get(skipped_key, 0) - metrics_before.get(skipped_key, 0)) if skipped_key else None
        if idle_busy is not None:
            result["host_busy_before_percent"] = idle_busy
        return result


# ---------------------------------------------------------------- reporting

def fmt(v, digits=1):
    return "-" if v is None else f"{v:.{digits}f}"


def table(runs):
    rows = ["| run | mode | viewers | fps min / p50 | >=29 fps | latency p50 / p99 / max ms | "
            "skipped | errors | gateway CPU % | gateway RSS MB (max) | queued in sockets MB (max) | "
            "camsim CPU % | viewers CPU % | other CPU % |",
            "|---|---|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        if r["mode"] == "snapshot":
            lat = r["latency_ms"]
            rows.append(
                f"| {r['name']} | snapshot | {r['clients']} | {r['requests_per_s']:.0f} req/s | - | "
                f"{fmt(lat['p50'], 2)} / {fmt(lat['p99'], 2)} / {fmt(lat['max'], 1)} | - | "
                f"{r['errors'] + r['disconnects']} | {fmt(r['gateway']['cpu_percent'])} | "
                f"{r['gateway']['rss_max_kb'] / 1024:.1f} | "
                f"{r['gateway']['socket_queued_max_kb'] / 1024:.1f} | {fmt(r['camsim']['cpu_percent'])} | "
                f"{fmt(r['client']['cpu_percent'])} | {fmt(r['others_cpu_percent'])} |")
            continue
        groups = [("", r["all"])]
        if r["slow"]["viewers"]:
            groups = [(" fast", r["fast"]), (" slow", r["slow"])]
        for label, g in groups:
            lat = g["latency_ms"]
            fps = g["fps_per_viewer"]
            rows.append(
                f"| {r['name']}{label} | {r['mode']} | {g['viewers']} | {fps['min']:.1f} / {fps['p50']:.1f} | "
                f"{g['viewers_ge_min_fps']} | {fmt(lat['p50'], 1)} / {fmt(lat['p99'], 1)} / {fmt(lat['max'], 1)} | "
                f"{g['frames_skipped']} | {r['errors'] + r['disconnects']} | "
                f"{fmt(r['gateway']['cpu_percent'])} | {r['gateway']['rss_max_kb'] / 1024:.1f} | "
                f"{r['gateway']['socket_queued_max_kb'] / 1024:.1f} | {fmt(r['camsim']['cpu_percent'])} | {fmt(r['client']['cpu_percent'])} | "
                f"{fmt(r['others_cpu_percent'])} |")
    return "\n".join(rows)


def ratio(a, b):
    return round(a / b, 3) if b else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: MJPEG at 1 and 10 viewers, 3 s each")
    ap.add_argument("--build-dir", default=str(REPO / "build"), help="CMake build folder (default: build)")
    ap.add_argument("--out", help="JSON file (default: bench/results/fanout-<timestamp>.json)")
    ap.add_argument("--duration", type=float, help="seconds measured per run (default 10; quick 3)")
    ap.add_argument("--warmup", type=float, help="seconds before measuring (default 2; quick 1)")
    ap.add_argument("--steps", help="fan-out viewer counts, comma separated (default 1,10,50,100,200,300,500)")
    ap.add_argument("--only", help="scenarios to run, comma separated: fanout,latency,slow,ws,snapshot")
    ap.add_argument("--resolution", default="1280x720")
    ap.add_argument("--fps", type=float, default=30)
    ap.add_argument("--min-fps", type=float, default=29)
    ap.add_argument("--viewer-threads", type=int, default=1, help="camgate-viewers --threads")
    ap.add_argument("--gateway-threads", type=int, default=0, help="camgate [server] threads (0: one per core)")
    ap.add_argument("--reuse-gateway", action="store_true", help="one gateway for every run")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="S",
                    help="before each run wait up to S s for the host to be <= 25 %% busy (shared machines)")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the data folder and logs")
    args = ap.parse_args()

    build = Path(args.build_dir)
    if not build.is_absolute() and not build.exists():
        build = REPO / build
    args.build_dir = str(build.resolve())
    duration = args.duration or (3.0 if args.quick else 10.0)
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    steps = [int(x) for x in args.steps.split(",")] if args.steps else ([1, 10] if args.quick else FANOUT_STEPS)
    scenarios = set((args.only or ("fanout" if args.quick else "fanout,latency,slow,ws,snapshot")).split(","))

    # Hundreds of sockets in the gateway and in camgate-viewers: lift the soft limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_path = Path(args.out) if args.out else REPO / "bench" / "results" / f"fanout-{stamp}.json"
    env = bench_env(args)
    report = {
        "started": stamp,
        "host": {"cpus": os.cpu_count(), "kernel": platform.release(),
                 "python": platform.python_version()},
        "settings": {"resolution": args.resolution, "camera_fps": args.fps, "duration_s": duration,
                     "warmup_s": warmup, "min_fps": args.min_fps, "viewer_threads": args.viewer_threads,
                     "gateway_threads": args.gateway_threads or os.cpu_count(),
                     "fresh_gateway_per_run": not args.reuse_gateway, "quick": args.quick},
        "runs": [],
        "summary": {},
    }
    summary = report["summary"]
    runs = report["runs"]
    t_start = time.monotonic()

    def save():
        report["elapsed_s"] = round(time.monotonic() - t_start, 1)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(report, indent=2) + "\n")

    try:
        env.start_camsim()
        env.setup_data()

        def run(*a, **kw):
            r = env.run(*a, **kw)
            runs.append(r)
            save()  # after every run, so an interrupted benchmark still leaves its data
            return r

        if "fanout" in scenarios:
            best = 0
            for n in steps:
                r = run(f"fanout-{n}", "mjpeg", n, duration, warmup)
                ok = r["all"]["viewers_ge_min_fps"]
                if ok == n and r["errors"] + r["disconnects"] == 0:
                    best = max(best, n)
                if ok < 0.95 * n:
                    log(f"only {ok}/{n} viewers kept >= {args.min_fps} fps: stop growing")
                    break
            summary["max_viewers_all_ge_min_fps"] = best

        if "latency" in scenarios:
            r = run("latency-100", "mjpeg", 100, duration, warmup)
            summary["at_100_mjpeg"] = {
                "latency_p50_ms": r["all"]["latency_ms"]["p50"],
                "latency_p99_ms": r["all"]["latency_ms"]["p99"],
                "gateway_cpu_percent": r["gateway"]["cpu_percent"],
                "gateway_rss_max_mb": round(r["gateway"]["rss_max_kb"] / 1024, 1),
                "gateway_vm_hwm_mb": round(r["gateway"]["vm_hwm_kb"] / 1024, 1),
                "camsim_cpu_percent": r["camsim"]["cpu_percent"],
                "viewers_cpu_percent": r["client"]["cpu_percent"],
            }

        if "slow" in scenarios:
            base = run("slow-baseline-100", "mjpeg", 100, duration, warmup)
            mixed = run("slow-mixed-100", "mjpeg", 100, duration, warmup, slow_fraction=0.1, slow_fps=1.0)
            summary["slow_viewers"] = {
                "fast_p99_ms_all_fast": base["fast"]["latency_ms"]["p99"],
                "fast_p99_ms_with_10pct_slow": mixed["fast"]["latency_ms"]["p99"],
                "fast_p99_ratio": ratio(mixed["fast"]["latency_ms"]["p99"], base["fast"]["latency_ms"]["p99"]),
                "fast_min_fps_with_slow": mixed["fast"]["fps_per_viewer"]["min"],
                "slow_fps_p50": mixed["slow"]["fps_per_viewer"]["p50"],
                "gateway_rss_max_mb_all_fast": round(base["gateway"]["rss_max_kb"] / 1024, 1),
                "gateway_rss_max_mb_with_slow": round(mixed["gateway"]["rss_max_kb"] / 1024, 1),
                "rss_ratio": ratio(mixed["gateway"]["rss_max_kb"], base["gateway"]["rss_max_kb"]),
                "socket_queued_max_mb_all_fast": round(base["gateway"]["socket_queued_max_kb"] / 1024, 1),
                "socket_queued_max_mb_with_slow": round(mixed["gateway"]["socket_queued_max_kb"] / 1024, 1),
                "slow_latency_p50_ms": mixed["slow"]["latency_ms"]["p50"],
                "slow_latency_max_ms": mixed["slow"]["latency_ms"]["max"],
            }

        if "ws" in scenarios:
            wb = run("ws-binary-100", "ws-binary", 100, duration, warmup)
            wt = run("ws-text-100", "ws-text", 100, duration, warmup)
            summary["ws_binary_vs_text"] = {
                side: {"fps_min": r["all"]["fps_per_viewer"]["min"],
                       "viewers_ge_min_fps": r["all"]["viewers_ge_min_fps"],
                       "latency_p50_ms": r["all"]["latency_ms"]["p50"],
                       "latency_p99_ms": r["all"]["latency_ms"]["p99"],
                       "gateway_cpu_percent": r["gateway"]["cpu_percent"],
                       "gateway_rss_max_mb": round(r["gateway"]["rss_max_kb"] / 1024, 1),
                       "viewers_cpu_percent": r["client"]["cpu_percent"],
                       "mbyte_per_s": r["all"]["mbyte_per_s"]}
                for side, r in (("binary", wb), ("text", wt))
            }

        if "snapshot" in scenarios:
            r = run("snapshot-10", "snapshot", 10, duration, warmup)
            summary["snapshot_10_clients"] = {
                "requests_per_s": r["requests_per_s"],
                "latency_p50_ms": r["latency_ms"]["p50"],
                "latency_p99_ms": r["latency_ms"]["p99"],
                "gateway_cpu_percent": r["gateway"]["cpu_percent"],
            }
        report["camsim_stats"] = env.camsim_stats()
    finally:
        env.close()

    save()
    print(table(runs))
    print()
    for key, value in summary.items():
        print(f"- {key}: {json.dumps(value)}")
    print(f"\nresults: {out_path}")
    # Broken streams fail the run; rates and latency depend on the machine and do not.
    broken = [r["name"] for r in runs if broken_run(r)]
    if broken:
        log(f"errors, disconnects, bad frames or no frames in: {', '.join(broken)}")
        return 1
    return 0


def broken_run(r):
    if r["errors"] or r["disconnects"]:
        return True
    if r["mode"] == "snapshot":
        return r["requests"] == 0 or r["bad_frames"] > 0
    return r["all"]["frames"] == 0 or r["all"]["bad_frames"] > 0 or r["all"]["frames_without_timestamp"] > 0


if __name__ == "__main__":
    sys.exit(main())
