"""bench/run's "analysis" scenario (issue 15): what continuous analysis costs.

  micro     camgate-bench-analyzers (bench/micro/analyzers_bench.cpp, Google Benchmark):
            CPU per 1280x720 camsim picture of decode_luma, exposure, sharpness, black,
            motion, frozen, the whole pass (resource_analysis::run, all five) and the
            seed's full RGB decode (analysis::analyze_jpeg)
  cpu       8 cameras (one camgate-camsim each, 1280x720 at 15 fps) into one gateway, no
            viewer: the gateway's CPU (/proc/PID/stat) over --ana-duration s with
            analysis off (ingest only), then with every camera's profile when=always
            fps=2 and all five built-ins (PUT /api/cameras/{id}/analysis); the difference
            per camera
  latency   analysis still on, one SSE subscriber and one WebSocket viewer
            (?format=binary) per camera (bench/analysis/events.mjs): receipt time minus
            each analysis event's captured_at_us, p50/p99. captured_at_us is the frame's
            capture_us: camsim's COM stamp (the moment it began drawing the frame, same
            host clock), so the figure includes camsim's encode, the network, the wait
            for the next 2 fps tick, the analysis and the fan-out to the viewer.
"""
import json
import shutil
import subprocess
import time
from pathlib import Path

import harness
from harness import child, cpu_window, http_json, log, wait_http

HERE = Path(__file__).resolve().parent
PASSWORD = "pw-12345678"
BUILTINS = ["exposure", "sharpness", "motion", "frozen", "black"]


def micro(exe, smoke):
    """camgate-bench-analyzers' rows: {name: {cpu_us, real_us, iterations}}."""
    argv = [str(exe), "--benchmark_format=json"]
    argv += ["--benchmark_min_time=0.05"] if smoke else ["--benchmark_min_time=1", "--benchmark_repetitions=3",
                                                           "--benchmark_report_aggregates_only=true"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"{exe.name} failed ({p.returncode}): {p.stderr[-300:]}")
    j = json.loads(p.stdout)
    rows = {}
    for b in j["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        row = {"cpu_us": round(b["cpu_time"], 1), "real_us": round(b["real_time"], 1),
               "iterations": b["iterations"]}
        row.update({k: b[k] for k in ("luma_w", "luma_h", "jpeg_kb") if k in b})
        if "jpeg_kb" in row:
            row["jpeg_kb"] = round(row["jpeg_kb"], 1)
        rows[name] = row
    built = ["exposure", "sharpness", "black", "motion", "frozen"]
    summed = rows["decode_luma"]["cpu_us"] + sum(rows[n]["cpu_us"] for n in built if n in rows)
    return {"phase": "micro", "picture": "1280x720 q80 camsim", "rows": rows,
            "sum_of_parts_cpu_us": round(summed, 1),
            "host_cpu": j.get("context", {}).get("mhz_per_cpu"),
            "repetitions": 1 if smoke else 3}


class analysis_setup:
    def __init__(self, bindir, tmp, cams):
        self.bindir, self.cams = bindir, cams
        self.tmp = tmp / "analysis-gateway"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.data = self.tmp / "data"
        self.gw = None

    def start(self):
        config = self.tmp / "camgate.toml"
        config.write_text('[log]\nlevel = "warn"\n[limits]\nstreams_per_user = 0\n'
                          'api_per_second_user = 0\n')
        exe = str(self.bindir / "camgate")
        subprocess.run([exe, "user", "add", "admin", "--role", "admin", "--password-stdin",
                        "--data", str(self.data)], input=f"{PASSWORD}\n".encode(), check=True,
                       stdout=subprocess.DEVNULL)
        for i, cam in enumerate(self.cams):
            subprocess.run([exe, "camera", "add", "--name", f"esp32-{i + 1}", "--host", "127.0.0.1",
                            "--port", str(cam.capture_port), "--data", str(self.data)],
                           check=True, stdout=subprocess.DEVNULL)
        self.gw = child("camgate", [exe, "serve", "--listen", "127.0.0.1:0", "--data", str(self.data),
                                    "--config", str(config)],
                        r"listening on http://([\d.]+):(\d+)", self.tmp / "camgate.log")
        self.port = int(self.gw.match.group(2))
        self.base = f"http://127.0.0.1:{self.port}"
        _, body = http_json("POST", f"{self.base}/auth/login", {"username": "admin", "password": PASSWORD})
        self.token = json.loads(body)["access_token"]
        _, body = http_json("GET", f"{self.base}/api/cameras", token=self.token)
        by_name = {c["name"]: c["id"] for c in json.loads(body)["cameras"]}
        self.ids = [by_name[f"esp32-{i + 1}"] for i in range(len(self.cams))]
        for cid in self.ids:
            wait_http(f"{self.base}/api/cameras/{cid}/snapshot", 20, token=self.token)

    def frames(self):
        m = harness.gateway_metrics(self.base, self.token)
        return sum(m.get(f'camgate_camera_frames_total{{camera="{cid}"}}', 0) for cid in self.ids)

    def profile(self, cid, body=None):
        if body is None:
            _, out = http_json("GET", f"{self.base}/api/cameras/{cid}/analysis", token=self.token)
        else:
            _, out = http_json("PUT", f"{self.base}/api/cameras/{cid}/analysis", body, token=self.token)
        return json.loads(out)

    def stop(self):
        if self.gw:
            self.gw.stop()
            self.gw = None


def cpu_phase(s, cams, duration, name):
    pids = {"gateway": s.gw.pid}
    pids.update({f"camsim-{i + 1}": c.pid for i, c in enumerate(cams)})
    w = cpu_window(pids)
    passes0 = {cid: s.profile(cid).get("passes", 0) for cid in s.ids}
    f0 = s.frames()
    w.start()
    time.sleep(duration)
    w.stop()
    f1 = s.frames()
    prof = {cid: s.profile(cid) for cid in s.ids}
    wall = w.result["wall_s"]
    passes = sum(prof[cid].get("passes", 0) - passes0[cid] for cid in s.ids)
    return {"phase": name, "cameras": len(s.ids), "gateway_cpu_percent": w.result["gateway"],
            "camsim_cpu_percent": round(sum(w.result[f"camsim-{i + 1}"] for i in range(len(cams))), 1),
            "machine_busy_percent": w.result["machine_busy"],
            "gateway_rss_kb": harness.proc_mem_kb(s.gw.pid).get("VmRSS"),
            "ingest_fps_per_camera": round((f1 - f0) / wall / len(s.ids), 2),
            "analysis_fps_per_camera": round(passes / wall / len(s.ids), 2),
            "running": sum(bool(p.get("running")) for p in prof.values()),
            "skipped": sum(p.get("skipped", 0) for p in prof.values()),
            "last_ms": [((p.get("last") or {}).get("ms")) for p in prof.values()],
            "measured_s": wall}


def latency_phase(s, seconds):
    if not shutil.which("node"):
        return {"phase": "latency", "skipped": "node missing"}
    argv = ["node", "--no-warnings", "--experimental-websocket", str(HERE / "analysis/events.mjs"),
            "--base", s.base, "--token", s.token, "--ids", ",".join(map(str, s.ids)),
            "--seconds", str(seconds)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    try:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError(f"events.mjs printed nothing ({p.returncode}): {p.stderr[-300:]}")
    r["phase"] = "latency"
    r["captured_at"] = "camsim COM stamp (capture_us), host clock"
    return r


def broken(r):
    if "skipped" in r:
        return False
    if r.get("phase") == "cpu-on":
        return r["running"] < r["cameras"] or not r["analysis_fps_per_camera"]
    if r.get("phase") == "latency":
        return not r.get("sse_ms") or not r.get("ws_ms")
    return False


def run(args, bindir, tmp, attempt, camera):
    if args.smoke:
        n_cams, dur, lat_s, resolution, fps = 2, 2.0, 3, "640x360", 15
    else:
        n_cams, dur, lat_s, resolution, fps = 8, args.ana_duration, args.ana_latency_s, "1280x720", 15
    exe = Path(args.ana_bench) if args.ana_bench else bindir / "camgate-bench-analyzers"
    if exe.exists():
        log(f"analysis: {exe.name}")
        attempt("analysis", "analysis micro", lambda: micro(exe, args.smoke))
    else:
        log(f"analysis: micro skipped, {exe} not built")
    cams, s = [], None
    try:
        for i in range(n_cams):
            (tmp / f"ana-cam-{i + 1}").mkdir(parents=True, exist_ok=True)
            cam = camera(bindir, tmp / f"ana-cam-{i + 1}", resolution, fps)
            cam.start()
            cams.append(cam)
        s = analysis_setup(bindir, tmp, cams)
        log(f"analysis: gateway with {n_cams} cameras ({resolution}@{fps})")
        s.start()
        common = {"picture": f"{resolution}@{fps}", "analysis_fps": 2, "analyzers": BUILTINS}
        time.sleep(1.0)
        if args.wait_idle:
            harness.wait_until_idle(args.wait_idle)
        log(f"analysis: ingest only, {dur} s")
        off = attempt("analysis", "analysis cpu off", lambda: dict(cpu_phase(s, cams, dur, "cpu-off"), **common))
        for cid in s.ids:
            s.profile(cid, {"when": "always", "fps": 2, "analyzers": BUILTINS})
        time.sleep(2.0)
        log(f"analysis: all {n_cams} analysed at 2 fps, {dur} s")
        on = attempt("analysis", "analysis cpu on", lambda: dict(cpu_phase(s, cams, dur, "cpu-on"), **common))
        if off and on:
            d = on["gateway_cpu_percent"] - off["gateway_cpu_percent"]
            attempt("analysis", "analysis cpu delta",
                    lambda: {"phase": "cpu-delta", "cameras": n_cams, "gateway_cpu_percent_delta": round(d, 1),
                             "per_camera_percent": round(d / n_cams, 2),
                             # per analysed picture: CPU µs / (pictures per second)
                             "per_pass_us": round(d / 100 * 1e6 / (on["analysis_fps_per_camera"] * n_cams), 0)
                             if on["analysis_fps_per_camera"] else None, **common})
        log(f"analysis: SSE + WebSocket subscribers on every camera, {lat_s} s")
        attempt("analysis", "analysis latency", lambda: dict(latency_phase(s, lat_s), **common))
    except Exception as e:  # noqa: BLE001
        tail = ""
        if s:
            try:
                tail = " | ".join((s.tmp / "camgate.log").read_text(errors="replace").splitlines()[-6:])
            except OSError:
                pass
        why = f"{e}; gateway log: {tail}"
        attempt("analysis", "analysis camgate", lambda: (_ for _ in ()).throw(RuntimeError(why)))
    finally:
        if s:
            s.stop()
        for c in cams:
            c.stop()
