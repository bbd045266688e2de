"""bench/run's "recording" scenario: 8 ESP32-like cameras (camgate-camsim, 800x600 at
15 fps, one process each) into one gateway, N MJPEG viewers per camera, in two phases
on the same gateway process:

  viewers     the viewers only
  recording   the viewers while all 8 cameras are recorded (POST
              /api/cameras/{id}/recordings: JPEG decoded, H.264 x264 ultrafast
              zerolatency at [recording] bitrate_kbps, fragmented MP4)

Per phase: gateway CPU (/proc/PID/stat over the viewers' window), the viewers' fps;
while recording: disk growth of each camera's folder over the same window (MB per
minute), the recordings' frames (the row's `frames`, GET /api/recordings) against the
frames the gateway received over the recording (camgate_camera_frames_total, /metrics).
Then playback of a finished recording over HTTP the way a player asks (Range bytes=0-,
capped at 4 MiB by the gateway, then a range from the middle), and, when Chromium and
playwright-core are there, a <video> element: src to 'loadeddata', a seek to 'seeked'.
The peer: ffmpeg recording the same 8 cameras the usual way (one `ffmpeg -i <MJPEG>
-c:v libx264 -preset ultrafast -tune zerolatency` per camera, same bitrate, key frame
every second and 500 ms fragments like the gateway's), with the gateway stopped.
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import harness
from harness import child, cpu_window, http_json, log, wait_http

HERE = Path(__file__).resolve().parent
PASSWORD = "pw-12345678"


def dir_bytes(path):
    """Bytes of the files under path (0 when it does not exist yet)."""
    p = Path(path)
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.exists() else 0


def med(xs):
    return round(statistics.median(xs), 1) if xs else None


class recording_setup:
    """cams: started camsim cameras; a gateway with one camera each."""

    def __init__(self, bindir, tmp, cams, bitrate_kbps):
        self.bindir, self.cams, self.bitrate = bindir, cams, bitrate_kbps
        self.tmp = tmp / "recording-gateway"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.data = self.tmp / "data"
        self.gw = None

    def start(self):
        config = self.tmp / "camgate.toml"
        # One user watches every stream: no per-user caps in a load test.
        config.write_text('[log]\nlevel = "warn"\n[limits]\nstreams_per_user = 0\n'
                          'api_per_second_user = 0\n'
                          f'[recording]\npolicy = "off"\nbitrate_kbps = {self.bitrate}\n')
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
        for cid in self.ids:  # every camera connected before anything is measured
            wait_http(f"{self.base}/api/cameras/{cid}/snapshot", 20, token=self.token)

    def frames_received(self, cid):
        return harness.gateway_metrics(self.base, self.token).get(
            f'camgate_camera_frames_total{{camera="{cid}"}}')

    def log_tail(self, lines=6):
        try:
            return " | ".join((self.tmp / "camgate.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        if self.gw:
            self.gw.stop()
            self.gw = None


def viewers_phase(s, cams, per_camera, duration, warmup, on_mark=None):
    """per_camera MJPEG viewers on every camera (one camgate-viewers each); the gateway's
    CPU over camera 1's window (the others open theirs within a few ms)."""
    argv = lambda cid: [str(s.bindir / "camgate-viewers"), "--url",  # noqa: E731
                        f"{s.base}/api/cameras/{cid}/stream?access_token={s.token}",
                        "--viewers", str(per_camera), "--duration", str(duration),
                        "--warmup", str(warmup), "--min-fps", "14"]
    others = [subprocess.Popen(argv(cid), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
              for cid in s.ids[1:]]
    try:
        pids = {"gateway": s.gw.pid}
        pids.update({f"camsim-{i + 1}": c.pid for i, c in enumerate(cams)})
        first = harness.measure_viewers(argv(s.ids[0]), pids, s.port, on_mark)
    finally:
        outs = [json.loads(p.communicate()[0] or b"{}") for p in others]
    runs = [first] + outs
    fps = [r["all"]["fps_per_viewer"] for r in runs if "all" in r]
    viewers_cpu = sum(r.get("client", {}).get("cpu_percent", 0) for r in runs)
    camsim_cpu = sum(first[f"camsim-{i + 1}"]["cpu_percent"] for i in range(len(cams)))
    return {
        "cameras": len(s.ids), "viewers_per_camera": per_camera,
        "viewers_up": sum(r["all"]["viewers"] for r in runs if "all" in r),
        "errors": sum(r.get("errors", 1) + r.get("disconnects", 0) for r in runs),
        "bad_frames": sum(r["all"]["bad_frames"] for r in runs if "all" in r),
        # min over every viewer; p50: the median of the cameras' medians
        "fps_min": min(f["min"] for f in fps) if fps else 0,
        "fps_p50": med([f["p50"] for f in fps]),
        "fps_p50_per_camera": [f["p50"] for f in fps],
        "latency_p99_ms_max": max(((r["all"].get("latency_ms") or {}).get("p99") or 0) for r in runs
                                  if "all" in r) if fps else None,
        "gateway_cpu_percent": first["gateway"]["cpu_percent"],
        "gateway_rss_max_kb": first["gateway"]["rss_max_kb"],
        "camsim_cpu_percent": round(camsim_cpu, 1),
        "viewers_cpu_percent": round(viewers_cpu, 1),
        "others_cpu_percent": round(max(0.0, first["others_cpu_percent"]
                                        - (viewers_cpu - first["client"]["cpu_percent"])), 1),
        "measured_s": first["measured_wall_s"], "load_average": first["load_average"],
    }


def timed_get(s, path, range_header):
    """One GET on a fresh connection: (ms to the response's headers, ms to its last byte,
    status, bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    try:
        t0 = time.perf_counter()
        c.request("GET", path, headers={"Authorization": f"Bearer {s.token}", "Range": range_header})
        res = c.getresponse()
        t1 = time.perf_counter()
        body = res.read()
        t2 = time.perf_counter()
        return (t1 - t0) * 1000, (t2 - t0) * 1000, res.status, len(body)
    finally:
        c.close()


def playback_http(s, rec, repeat=5):
    """A player's first requests for a finished recording: Range bytes=0- (the gateway
    answers at most 4 MiB) and a range from the middle of the file."""
    path = f"/api/recordings/{rec['id']}/media"
    out = {}
    for name, rng in (("start", "bytes=0-"), ("mid", f"bytes={rec['bytes'] // 2}-")):
        heads, whole, statuses, sizes = [], [], set(), set()
        for _ in range(repeat):
            h, w, st, n = timed_get(s, path, rng)
            heads.append(h)
            whole.append(w)
            statuses.add(st)
            sizes.add(n)
        out[name] = {"headers_ms_p50": round(statistics.median(heads), 2), "headers_ms_max": round(max(heads), 2),
                     "range_ms_p50": round(statistics.median(whole), 2), "range_ms_max": round(max(whole), 2),
                     "status": sorted(statuses), "bytes": max(sizes), "repeat": repeat}
    return out


def playback_browser(s, rec, repeat):
    """Chromium: <video src> to 'loadeddata', then a seek to the middle to 'seeked'."""
    node_modules = HERE.parent / "tests/js/node_modules/playwright-core"
    browser = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not node_modules.exists() or not shutil.which("node") or not os.path.exists(browser):
        return {"skipped": f"playwright-core (tests/js/node_modules), node or {browser} missing"}
    argv = ["node", str(HERE / "recording/playback.mjs"), "--url", s.base, "--token", s.token,
            "--id", str(rec["id"]), "--repeat", str(repeat)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    try:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        r = {"error": f"playback.mjs printed nothing ({p.returncode}): {p.stderr[-300:]}"}
    if "error" in r:
        raise RuntimeError(f"Chromium playback: {r['error']}")
    return r


def ffmpeg_phase(bindir, tmp, cams, bitrate, duration, warmup, fps):
    """One ffmpeg per camera recording its MJPEG stream (the gateway is stopped): CPU of
    all of them over the window, the files' growth, frames in the files (ffprobe)."""
    out_dir = tmp / "ffmpeg-out"
    out_dir.mkdir(parents=True, exist_ok=True)
    procs, files = [], []
    sent0 = [camsim_frames_sent(c) for c in cams]  # the gateway is gone: from here all go to ffmpeg
    for i, cam in enumerate(cams):
        f = out_dir / f"camera-{i + 1}.mp4"
        files.append(f)
        # -framerate: raw MJPEG has no times (ffmpeg would assume 25 fps); no 5 s probe.
        argv = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "mjpeg",
                "-framerate", str(fps), "-analyzeduration", "0", "-probesize", "2000000",
                "-i", cam.stream_url, "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                "-b:v", f"{bitrate}k", "-g", str(int(fps)), "-pix_fmt", "yuv420p",
                "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", "500000",
                "-flush_packets", "1",  # on disk as written: the growth is measured
                str(f)]
        procs.append(child(f"ffmpeg-{i + 1}", argv, None, tmp / f"ffmpeg-{i + 1}.log"))
    size = lambda f: f.stat().st_size if f.exists() else 0  # noqa: E731
    try:
        deadline = time.monotonic() + 15
        while any(size(f) < 4096 for f in files) and time.monotonic() < deadline:
            time.sleep(0.1)  # every ffmpeg has written its first fragment
        time.sleep(warmup)
        pids = {f"ffmpeg-{i + 1}": p.pid for i, p in enumerate(procs)}
        pids.update({f"camsim-{i + 1}": c.pid for i, c in enumerate(cams)})
        window = cpu_window(pids)
        sizes0 = [size(f) for f in files]
        window.start()
        time.sleep(duration)
        window.stop()
        sizes1 = [size(f) for f in files]
        alive = sum(p.proc.poll() is None for p in procs)
        rss_kb = sum(harness.proc_mem_kb(p.pid).get("VmRSS", 0) for p in procs if p.proc.poll() is None)
    finally:
        for p in procs:  # SIGTERM: ffmpeg closes its file
            p.stop()
    sent1 = [camsim_frames_sent(c) for c in cams]
    wall = window.result["wall_s"]
    cpu = [window.result[f"ffmpeg-{i + 1}"] for i in range(len(cams))]
    camsim = sum(window.result[f"camsim-{i + 1}"] for i in range(len(cams)))
    frames = []
    for f in files:
        pr = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                             "-show_entries", "stream=nb_read_frames:format=duration", "-of", "json", str(f)],
                            capture_output=True, text=True)
        try:
            j = json.loads(pr.stdout)
            frames.append({"frames": int(j["streams"][0]["nb_read_frames"]),
                           "duration_s": float(j["format"]["duration"])})
        except (ValueError, KeyError, IndexError):
            frames.append({"frames": None, "duration_s": None})
    mb_min = [(b - a) / 1e6 * 60 / wall for a, b in zip(sizes0, sizes1)]
    sent = [b - a if a is not None and b is not None else None for a, b in zip(sent0, sent1)]
    got = [x["frames"] for x in frames]
    # camsim's count from before ffmpeg started to after it stopped: what it was sent.
    return {"camsim_frames_sent": sent, "rss_kb_total": rss_kb,
            "drop_share": round(max(0.0, 1 - sum(got) / sum(sent)), 4)
            if all(sent) and all(g is not None for g in got) else None,"cameras": len(cams), "running_at_end": alive, "cpu_percent_total": round(sum(cpu), 1),
            "cpu_percent_per_camera": round(sum(cpu) / len(cams), 1), "cpu_percent_each": cpu,
            "disk_mb_per_min_total": round(sum(mb_min), 2),
            "disk_mb_per_min_per_camera": round(sum(mb_min) / len(cams), 2),
            "recorded_fps": [round(x["frames"] / x["duration_s"], 2) if x["frames"] and x["duration_s"] else None
                             for x in frames],
            "files": frames, "measured_s": wall, "machine_busy_percent": window.result["machine_busy"],
            "camsim_cpu_percent": round(camsim, 1),
            # the host's busy time not spent by the ffmpegs or the cameras, % of one core
            "others_cpu_percent": round(max(0.0, window.result["machine_busy"] * (os.cpu_count() or 1)
                                            - sum(cpu) - camsim), 1)}


def camsim_frames_sent(cam):
    try:
        _, body = http_json("GET", f"http://127.0.0.1:{cam.capture_port}/camsim/stats", timeout=2)
        return json.loads(body).get("frames_sent")
    except (OSError, ValueError):
        return None


def broken(r):
    if "skipped" in r:
        return False
    if r.get("phase") in ("viewers", "recording"):
        return r["errors"] > 0 or r["bad_frames"] > 0 or not r["fps_min"]
    if r.get("phase") == "recording-rows":
        return any(x["state"] != "complete" or not x["frames"] for x in r["rows"])
    if r.get("phase") == "ffmpeg":
        return r["running_at_end"] < r["cameras"]
    return False


def run(args, bindir, tmp, attempt, camera):
    """camera(bindir, tmp, resolution, fps): bench/run's camsim; each result goes
    through attempt(section, what, fn)."""
    if args.smoke:
        n_cams, per_cam, dur, warm, resolution, fps, repeat = 2, 1, 1.0, 0.3, "320x240", 15, 1
    else:
        n_cams, per_cam, dur, warm = args.rec_cameras, args.rec_viewers, args.rec_duration, args.warmup
        resolution, fps, repeat = args.rec_resolution, args.rec_fps, 5
    cams = []
    s = None
    try:
        for i in range(n_cams):
            (tmp / f"rec-cam-{i + 1}").mkdir(parents=True, exist_ok=True)
            cam = camera(bindir, tmp / f"rec-cam-{i + 1}", resolution, fps)
            cam.start()
            cams.append(cam)
        s = recording_setup(bindir, tmp, cams, args.rec_bitrate)
        log(f"recording: gateway with {n_cams} cameras ({resolution}@{fps})")
        s.start()
        common = {"cameras": n_cams, "picture": f"{resolution}@{fps}", "bitrate_kbps": args.rec_bitrate}
        log(f"recording: phase viewers, {per_cam} per camera, {dur} s")
        if args.wait_idle:
            harness.wait_until_idle(args.wait_idle)
        attempt("recording", "recording viewers",
                lambda: dict(viewers_phase(s, cams, per_cam, dur, warm), phase="viewers", **common))

        # Phase b: every camera recorded, the same viewers.
        if args.wait_idle:  # before the recordings start: they are as long as the phase
            harness.wait_until_idle(args.wait_idle)
        # Frames received from just before each POST to just after its DELETE (outer),
        # and from just after the POST to just before the DELETE (inner): the recording
        # holds at most the outer count and, when it lost none, at least the inner one.
        received0, received0_in, started = {}, {}, {}
        for cid in s.ids:
            received0[cid] = s.frames_received(cid)
            st, body = http_json("POST", f"{s.base}/api/cameras/{cid}/recordings", {}, token=s.token)
            started[cid] = json.loads(body)["recording"]["id"]
            received0_in[cid] = s.frames_received(cid)
        time.sleep(1.0)  # the encoders have started
        dirs = {cid: s.data / "recordings" / f"camera-{cid}" for cid in s.ids}
        marks = {}

        def on_mark(which):
            marks[which] = (time.monotonic(), {cid: dir_bytes(d) for cid, d in dirs.items()})

        log(f"recording: phase viewers + {n_cams} recordings, {dur} s")

        def phase_b():
            r = viewers_phase(s, cams, per_cam, dur, warm, on_mark)
            (t0, b0), (t1, b1) = marks["start"], marks["stop"]
            mb_min = {cid: (b1[cid] - b0[cid]) / 1e6 * 60 / (t1 - t0) for cid in s.ids}
            r.update(phase="recording", disk_mb_per_min_per_camera=round(statistics.mean(mb_min.values()), 2),
                     disk_mb_per_min_total=round(sum(mb_min.values()), 2),
                     disk_mb_per_min_each=[round(v, 2) for v in mb_min.values()], **common)
            return r

        attempt("recording", "recording viewers+recording", phase_b)

        # Playback while the other cameras are still recorded: camera 1's recording ends first.
        rows = {}
        first = s.ids[0]

        def stop(cid):
            inner = s.frames_received(cid) - received0_in[cid]
            http_json("DELETE", f"{s.base}/api/cameras/{cid}/recordings/current", token=s.token)
            rows[cid] = {"received": s.frames_received(cid) - received0[cid], "received_inner": inner}

        stop(first)
        _, body = http_json("GET", f"{s.base}/api/recordings/{started[first]}", token=s.token)
        rec1 = json.loads(body)["recording"]
        log(f"recording: playback of recording {rec1['id']} ({rec1['bytes']} bytes) over HTTP")
        attempt("recording", "recording playback http",
                lambda: {"phase": "playback-http", "recording_bytes": rec1["bytes"],
                         "recording_frames": rec1["frames"], "others_recording": n_cams - 1,
                         **playback_http(s, rec1, repeat)})
        log("recording: playback in Chromium")
        attempt("recording", "recording playback chromium",
                lambda: dict(playback_browser(s, rec1, repeat), phase="playback-browser",
                             others_recording=n_cams - 1))
        for cid in s.ids[1:]:
            stop(cid)
        _, body = http_json("GET", f"{s.base}/api/recordings", token=s.token)
        listed = {r["id"]: r for r in json.loads(body)["recordings"]}

        def rows_result():
            out = []
            for cid in s.ids:
                row = listed[started[cid]]
                got, sent, inner = row["frames"], rows[cid]["received"], rows[cid]["received_inner"]
                out.append({"camera": cid, "id": row["id"], "state": row["state"], "frames": got,
                            "received": int(sent), "received_inner": int(inner), "bytes": row["bytes"],
                            "seconds": row["ended_at"] - row["started_at"],
                            "drop_share": round(max(0.0, 1 - got / inner), 4) if inner else None})
            total = {k: sum(x[k] for x in out) for k in ("frames", "received", "received_inner")}
            return {"phase": "recording-rows", "rows": out, **total,
                    # lost for sure: fewer pictures than the frames surely sent to it
                    "drop_share": round(max(0.0, 1 - total["frames"] / total["received_inner"]), 4)
                    if total["received_inner"] else None}

        attempt("recording", "recording rows", rows_result)
    except Exception as e:  # noqa: BLE001  reported; the peer still runs
        why = f"{e}; gateway log: {s.log_tail() if s else ''}"
        attempt("recording", "recording camgate", lambda: (_ for _ in ()).throw(RuntimeError(why)))
    finally:
        if s:
            s.stop()
    try:
        if shutil.which("ffmpeg") and cams:
            log(f"recording: peer, one ffmpeg libx264 ultrafast per camera ({n_cams})")
            if args.wait_idle:
                harness.wait_until_idle(args.wait_idle)
            attempt("recording", "recording ffmpeg",
                    lambda: dict(ffmpeg_phase(bindir, tmp, cams, args.rec_bitrate, dur, warm, fps),
                                 phase="ffmpeg", picture=f"{resolution}@{fps}", bitrate_kbps=args.rec_bitrate))
    finally:
        for c in cams:
            c.stop()
