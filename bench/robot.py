"""bench/run's "robot" scenario: a robot (camgate-robot --source test, H.264) watched
through the gateway in P2P mode, then in relay mode, in one run.

Per mode, a fresh gateway ([robots] media = "p2p" or "relay"; "relay-warm" is relay with
relay_keep_warm, the upstream open before the viewer comes: g2g only) and a fresh robot:
  g2g     one Chromium viewer (bench/robot/g2g_viewer.mjs) reads each shown frame's
          capture-time stamp: glass-to-glass p50/p95/p99 and click to first frame
  upload  1, 10, 50 viewers (camgate-whep-viewers --signaling-robot: webrtcbin peers
          on /signaling as the web page is, the first decodes): the bytes the robot
          sends (camgate-robot --stats-file bytes_sent: SRTP and SRTCP to all its peers),
          gateway and robot CPU, the first viewer's decoded fps
Same host clock for the stamp and the display, so no clock offset enters the figure.
"""
import json
import subprocess
import threading
import time
from pathlib import Path

import harness
from harness import child, cpu_window, http_json, log

HERE = Path(__file__).resolve().parent
PASSWORD = "pw-12345678"
ROBOT = "bench-robot"


class robot_setup:
    """A gateway in `mode` with one robot, and camgate-robot streaming to it."""

    def __init__(self, bindir, tmp, mode, width, height, fps, bitrate):
        self.bindir, self.mode = bindir, mode
        self.tmp = tmp / f"robot-{mode}"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.stats_path = self.tmp / "robot-stats.json"
        self.media = (width, height, fps, bitrate)
        self.gw = self.robot = None

    def start(self):
        data, config = self.tmp / "data", self.tmp / "camgate.toml"
        # One user watches as every viewer: no per-user caps in a load test.
        config.write_text('[log]\nlevel = "warn"\n[limits]\nstreams_per_user = 0\n'
                          'api_per_second_user = 0\n[signaling]\nconnections_per_user = 0\n'
                          'messages_per_second = 0\n'
                          '[webrtc]\nlocal_addresses = ["127.0.0.1"]\n'
                          f'[robots]\nmedia = "{self.mode.split("-")[0]}"\nrelay_linger_s = 1\n'
                          f'relay_keep_warm = {"true" if self.mode == "relay-warm" else "false"}\n')
        exe = str(self.bindir / "camgate")
        subprocess.run([exe, "user", "add", "admin", "--role", "admin", "--password-stdin",
                        "--data", str(data)], input=f"{PASSWORD}\n".encode(), check=True,
                       stdout=subprocess.DEVNULL)
        self.gw = child("camgate", [exe, "serve", "--listen", "127.0.0.1:0", "--data", str(data),
                                    "--config", str(config)],
                        r"listening on http://([\d.]+):(\d+)", self.tmp / "camgate.log")
        self.port = int(self.gw.match.group(2))
        self.url = f"http://127.0.0.1:{self.port}"
        _, body = http_json("POST", f"{self.url}/auth/login", {"username": "admin", "password": PASSWORD})
        self.token = json.loads(body)["access_token"]
        _, body = http_json("POST", f"{self.url}/api/robots", {"name": ROBOT}, token=self.token)
        cred = self.tmp / "robot.credential"
        cred.write_text(json.loads(body)["credential"] + "\n")
        w, h, fps, kbps = self.media
        argv = [str(self.bindir / "camgate-robot"), "--gateway", self.url, "--robot", ROBOT,
                "--source", "test", "--width", str(w), "--height", str(h), "--fps", str(fps),
                "--bitrate", str(kbps), "--ice-local-address", "127.0.0.1",
                "--credential-file", str(cred), "--stats-file", str(self.stats_path),
                "--stats-interval", "200"]
        log_path = self.tmp / "robot.log"
        self.robot = child("camgate-robot", argv, None, log_path)
        # It logs to stderr (the log file): ready once the gateway has it registered.
        deadline = time.monotonic() + 20
        while "registered as" not in log_path.read_text(errors="replace"):
            if self.robot.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"camgate-robot did not register: {self.log_tail('robot.log')}")
            time.sleep(0.05)

    def robot_stats(self):
        for _ in range(20):  # replaced by rename: only a missing file can be seen
            try:
                return json.loads(self.stats_path.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        return {}

    def log_tail(self, name, lines=6):
        try:
            return " | ".join((self.tmp / name).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self):
        for p in (self.robot, self.gw):
            if p:
                p.stop()
        self.robot = self.gw = None


def measure_g2g(s, duration, warmup):
    """One Chromium viewer: glass-to-glass and click to first frame."""
    window = cpu_window({"gateway": s.gw.pid, "robot": s.robot.pid})
    argv = ["node", str(HERE / "robot/g2g_viewer.mjs"), "--url", s.url, "--token", s.token,
            "--robot", ROBOT, "--duration", str(duration), "--warmup", str(warmup)]
    # The window covers the whole viewer (its launch too): CPU figures come from the
    # upload runs; this one is for the stream's health next to the latency.
    window.start()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=duration + warmup + 60)
    window.stop()
    try:
        r = json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        r = {"error": f"g2g_viewer printed nothing ({p.returncode}): {p.stderr[-300:]}"}
    if "error" in r:
        raise RuntimeError(f"{r['error']}; robot log: {s.log_tail('robot.log')}; "
                           f"gateway log: {s.log_tail('camgate.log')}")
    r["cpu_percent"] = {"gateway": window.result["gateway"], "robot": window.result["robot"]}
    return r


def measure_upload(s, n, duration, warmup):
    """n viewers of the robot: what the robot sends, CPU, the first viewer's fps."""
    argv = [str(s.bindir / "camgate-whep-viewers"), "--port", str(s.port), "--token", s.token,
            "--signaling-robot", ROBOT, "--viewers", str(n), "--duration", str(duration),
            "--warmup", str(warmup)]
    window = cpu_window({"gateway": s.gw.pid, "robot": s.robot.pid})
    marks = {}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_lines = []

    def watch_stderr():
        for raw in proc.stderr:
            line = raw.decode(errors="replace").strip()
            if line.endswith("measuring"):
                window.start()
                marks["start"] = s.robot_stats()
            elif line.endswith("done"):
                window.stop()
                marks["end"] = s.robot_stats()
            else:
                stderr_lines.append(line)

    t = threading.Thread(target=watch_stderr, daemon=True)
    t.start()
    out = proc.stdout.read()
    proc.wait()
    t.join()
    try:
        r = json.loads(out)
    except ValueError:
        r = {"errors": 1, "error_kinds": stderr_lines[-3:]}
    if "start" not in marks or "end" not in marks or "all" not in r:
        raise RuntimeError(f"{n} viewers: no measurement ({proc.returncode}): "
                           f"{' '.join(stderr_lines[-3:])}; robot log: {s.log_tail('robot.log')}")
    a, b = marks["start"], marks["end"]
    secs = max(0.001, (b["unix_ms"] - a["unix_ms"]) / 1000)
    sent = b["bytes_sent"] - a["bytes_sent"]
    return {
        "viewers": n, "viewers_up": r["all"]["viewers"], "errors": r["errors"],
        "error_kinds": r.get("error_kinds", []), "disconnects": r.get("disconnects", 0),
        "robot_peers": b["viewers"],
        "robot_upload_kbit_s": round(sent * 8 / secs / 1000, 1),
        "robot_upload_mbyte": round(sent / 1e6, 2), "robot_window_s": round(secs, 2),
        "viewer_kbit_s_p50": r["all"]["kbit_per_s_per_viewer"]["p50"],
        "first_viewer_fps": r["all"]["fps_per_viewer"]["p50"],
        "width": r["all"]["width"], "height": r["all"]["height"], "codec": r.get("codec"),
        "setup_ms": r.get("setup_ms"),
        "cpu_percent": {"gateway": window.result["gateway"], "robot": window.result["robot"],
                        "viewers": r["client"]["cpu_percent"],
                        "machine_busy": window.result["machine_busy"]},
    }


def fail(why):
    raise RuntimeError(why)


def broken(r):
    """Streams that did not work (never rates): no stamp read, no frame, no viewer."""
    if "skipped" in r:
        return False
    if "g2g" in r:
        return not r["g2g"]["g2g_ms"]["n"] or not r["g2g"]["frames_shown"]
    return r["errors"] > 0 or r["viewers_up"] < r["viewers"] or not r["first_viewer_fps"]


def run(args, bindir, tmp, attempt):
    """Both modes, side by side; each result goes through attempt(section, what, fn)."""
    if args.smoke:
        width, height, fps, kbps, steps, dur, warm = 320, 180, 15, 300, [2], 1.0, 0.3
    else:
        w, h = args.resolution.split("x")
        width, height, fps, kbps = int(w), int(h), int(args.fps), args.robot_bitrate
        steps, dur, warm = [int(x) for x in args.robot_steps.split(",")], args.duration, args.warmup
    for mode in ("p2p", "relay", "relay-warm"):
        s = robot_setup(bindir, tmp, mode, width, height, fps, kbps)
        try:
            log(f"robot: {mode}, gateway and camgate-robot ({width}x{height}@{fps})")
            s.start()
            if mode == "relay-warm":
                time.sleep(1.5)  # the upstream the gateway opened at registration is up
            log(f"robot: {mode}, one Chromium viewer, glass-to-glass")
            attempt("robot", f"robot {mode} g2g",
                    lambda: {"media_mode": mode, "name": f"{mode}-g2g",
                             "g2g": measure_g2g(s, dur, warm), "picture": f"{width}x{height}@{fps}",
                             "bitrate_kbps": kbps})
            prev = None
            for n in (steps if mode != "relay-warm" else []):
                if prev and (prev["errors"] > prev["viewers"] / 2 or prev["first_viewer_fps"] < fps / 3):
                    # The host is already saturated at the last step: more viewers would
                    # only measure an overloaded machine. Reported, not silently dropped.
                    log(f"robot: {mode} stops before {n} viewers (the host is saturated)")
                    attempt("robot", f"robot {mode} x{n}",
                            lambda: {"media_mode": mode, "name": f"{mode}-{n}", "viewers": n,
                                     "skipped": f"not run: at {prev['viewers']} viewers the first "
                                                f"viewer decoded {prev['first_viewer_fps']} fps "
                                                f"with {prev['errors']} errors"})
                    continue
                log(f"robot: {mode}, {n} viewers, robot upload")
                time.sleep(1.5 if mode == "relay" else 0.5)  # the last viewers' peers are gone
                prev = attempt("robot", f"robot {mode} x{n}",
                               lambda: dict(measure_upload(s, n, dur, warm), media_mode=mode,
                                            name=f"{mode}-{n}"))
        except Exception as e:  # noqa: BLE001  the setup failed: reported, the other mode goes on
            why = f"{e}; gateway log: {s.log_tail('camgate.log')}"
            attempt("robot", f"robot {mode}", lambda: fail(why))
        finally:
            s.stop()
