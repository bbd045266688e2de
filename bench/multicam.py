"""bench/run's "multicam" scenario: 8 ESP32-like cameras (--mc-cameras; one camgate-camsim
each, --mc-resolution 800x600 at --mc-fps 15, JPEG quality --mc-quality 58: about 30 KB
a frame) and --mc-viewers 100 MJPEG viewers on each, one server at a time:

  camgate       one gateway with the 8 cameras registered
  mjpeg-proxy   one Node process, one MjpegProxy per camera (peers/mjpeg_proxy.mjs
                --upstream x8, /stream/1../stream/8)
  motion        one motion process, one camera file per camera, one stream port each
                (decodes, detects and re-encodes every frame at the cameras' quality)

One camgate-viewers per camera, started together; the server's CPU and RSS are read
over camera 1's window (the others open theirs within a few ms). Per server: viewers
that kept up (≥ fps - 1), the slowest viewer's fps, the median of the cameras' median
fps, latency p50 and p99 of the worst camera, server CPU and RSS, errors."""
import json
import statistics
import subprocess
from pathlib import Path

import harness
from harness import child, free_port, log, wait_http, wait_stream
from recording import recording_setup

HERE = Path(__file__).resolve().parent


class camgate_multi:
    name = "camgate"

    def __init__(self, bindir, tmp, cams):
        # recording.py's gateway with one camera each; recording stays off (policy "off").
        self.setup = recording_setup(bindir, tmp, cams, 1000)

    def start(self):
        self.setup.start()
        s = self.setup
        self.pid, self.port = s.gw.pid, s.port
        self.urls = [f"{s.base}/api/cameras/{cid}/stream?access_token={s.token}" for cid in s.ids]

    def stop(self):
        self.setup.stop()


class mjpeg_proxy_multi:
    name = "mjpeg-proxy"

    def __init__(self, bindir, tmp, cams):
        self.tmp, self.cams, self.proc = tmp, cams, None

    def start(self):
        argv = ["node", str(HERE / "peers/mjpeg_proxy.mjs")]
        for c in self.cams:
            argv += ["--upstream", c.stream_url]
        self.proc = child("mjpeg-proxy", argv, r"listening on http://([\d.]+):(\d+)",
                          self.tmp / "mjpeg-proxy.log")
        self.pid, self.port = self.proc.pid, int(self.proc.match.group(2))
        self.urls = [f"http://127.0.0.1:{self.port}/stream/{i + 1}" for i in range(len(self.cams))]

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


class motion_multi:
    name = "motion"

    def __init__(self, bindir, tmp, cams):
        self.tmp, self.cams, self.proc = tmp, cams, None

    def start(self):
        ports = [free_port() for _ in self.cams]
        main = self.tmp / "motion-multicam.conf"
        lines = ["daemon off", "setup_mode off", "log_level 6", "webcontrol_port 0"]
        for i, (cam, port) in enumerate(zip(self.cams, ports)):
            w, h = cam.resolution.split("x")
            conf = self.tmp / f"motion-camera-{i + 1}.conf"
            # As bench/run's motion: relayed at the camera's rate, nothing saved.
            conf.write_text("\n".join([
                f"camera_id {i + 1}", f"target_dir {self.tmp / 'motion-out'}",
                f"netcam_url {cam.stream_url}", f"width {w}", f"height {h}",
                f"framerate {int(cam.fps)}", "picture_output off", "movie_output off",
                "snapshot_interval 0", f"stream_port {port}", "stream_localhost on",
                f"stream_maxrate {int(cam.fps)}", f"stream_quality {cam.quality or 80}",
                "stream_motion off", "stream_auth_method 0"]) + "\n")
            lines.append(f"camera {conf}")
        main.write_text("\n".join(lines) + "\n")
        self.proc = child("motion", ["motion", "-n", "-c", str(main)], None, self.tmp / "motion.log")
        for port in ports:
            wait_http(f"http://127.0.0.1:{port}/current", 30)
            wait_stream(f"http://127.0.0.1:{port}/", 15)
        self.pid, self.port = self.proc.pid, ports[0]
        self.urls = [f"http://127.0.0.1:{p}/" for p in ports]

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


SERVERS = {"camgate": camgate_multi, "mjpeg-proxy": mjpeg_proxy_multi, "motion": motion_multi}


def measure(args, bindir, server, cams, per_camera, min_fps):
    argv = lambda url: [str(bindir / "camgate-viewers"), "--url", url,  # noqa: E731
                        "--viewers", str(per_camera), "--duration", str(args.duration),
                        "--warmup", str(args.warmup), "--min-fps", f"{min_fps:g}",
                        "--threads", str(args.viewer_threads)]
    others = [subprocess.Popen(argv(u), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
              for u in server.urls[1:]]
    try:
        pids = {"gateway": server.pid}
        pids.update({f"camsim-{i + 1}": c.pid for i, c in enumerate(cams)})
        first = harness.measure_viewers(argv(server.urls[0]), pids, server.port)
    finally:
        outs = [json.loads(p.communicate()[0] or b"{}") for p in others]
    runs = [first] + outs
    groups = [r["all"] for r in runs if "all" in r]
    fps = [g["fps_per_viewer"] for g in groups]
    lats = [g["latency_ms"] for g in groups if (g.get("latency_ms") or {}).get("samples")]
    viewers_cpu = sum(r.get("client", {}).get("cpu_percent", 0) for r in runs)
    return {
        "server": server.name, "cameras": len(cams), "viewers_per_camera": per_camera,
        "viewers": per_camera * len(cams), "min_fps": min_fps,
        "viewers_up": sum(g["viewers"] for g in groups),
        "viewers_ge_min_fps": sum(g["viewers_ge_min_fps"] for g in groups),
        # a camgate-viewers that printed nothing counts as one error
        "errors": sum(r.get("errors", 1) + r.get("disconnects", 0) for r in runs),
        "bad_frames": sum(g["bad_frames"] for g in groups),
        "frames": sum(g["frames"] for g in groups),
        "fps_min": min(f["min"] for f in fps) if fps else 0,
        "fps_p50": round(statistics.median(f["p50"] for f in fps), 1) if fps else None,
        "fps_p50_per_camera": [f["p50"] for f in fps],
        # the worst camera's; None when the frames carry no capture time (motion)
        "latency_p50_ms_max": max(x["p50"] for x in lats) if lats else None,
        "latency_p99_ms_max": max(x["p99"] for x in lats) if lats else None,
        "gateway": first["gateway"],
        "camsim_cpu_percent": round(sum(first[f"camsim-{i + 1}"]["cpu_percent"] for i in range(len(cams))), 1),
        "viewers_cpu_percent": round(viewers_cpu, 1),
        "others_cpu_percent": round(max(0.0, first["others_cpu_percent"]
                                        - (viewers_cpu - first["client"]["cpu_percent"])), 1),
        "machine_busy_percent": first["machine_busy_percent"],
        "measured_wall_s": first["measured_wall_s"], "load_average": first["load_average"],
    }


def broken(r):
    return bool(r["errors"] or r["bad_frames"] or not r["frames"])


def run(args, bindir, tmp, attempt, camera, servers):
    """camera: bench/run's camsim class; servers: the names compared, camgate first."""
    n, per = args.mc_cameras, args.mc_viewers
    tmp = tmp / "multicam"
    tmp.mkdir(parents=True, exist_ok=True)
    cams = [camera(bindir, tmp, args.mc_resolution, args.mc_fps, args.mc_quality) for _ in range(n)]
    try:
        for c in cams:
            c.start()
        for name in servers:
            (tmp / name).mkdir(exist_ok=True)
            server = SERVERS[name](bindir, tmp / name, cams)
            log(f"multicam: {name}, {n} cameras x {per} viewers")

            def one():
                if args.wait_idle:
                    harness.wait_until_idle(args.wait_idle)
                server.start()
                try:
                    return measure(args, bindir, server, cams, per, max(1.0, args.mc_fps - 1))
                finally:
                    server.stop()

            attempt("multicam", f"multicam {name}", one)
    finally:
        for c in cams:
            c.stop()
