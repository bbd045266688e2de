"""bench/run's "esp32" scenario: the fan-out of an ESP32-like camera (camgate-camsim at
800x600, JPEG quality 58, about 30 KB a frame, 25 fps: what an ESP32-CAM's OV2640 sends)
to many viewers: 500, 1,000, 2,000 by default (--esp32-steps). Same runs and columns as
the fanout scenario, with its own camera; a server that lost more than half its viewers
is not pushed further. Every viewer is one socket on the server and one in
camgate-viewers, all from 127.0.0.1: bench/run raises RLIMIT_NOFILE to its hard limit for
itself and its children, and a step the limit cannot hold is reported, not run."""
import resource
import statistics
import time
import urllib.error

from harness import http_json, log

# Beyond the viewers' sockets: the server's own files, the camera, the store, logs.
FD_MARGIN = 256


def frame_kb(cam, samples=10):
    """Mean size of camsim's pictures (its /capture), in KB: the quality setting's result."""
    sizes = []
    for _ in range(samples):
        try:
            _, body = http_json("GET", f"http://127.0.0.1:{cam.capture_port}/capture")
            sizes.append(len(body))
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.05)
    return round(statistics.mean(sizes) / 1000, 1) if sizes else None


def run(args, make_env, attempt, steps):
    """make_env(resolution, fps, quality): bench/run's bench_env with that camera.
    Returns the camera's settings for the JSON (settings.esp32)."""
    env = make_env(args.esp32_resolution, args.esp32_fps, args.esp32_quality)
    info = {"resolution": args.esp32_resolution, "fps": args.esp32_fps, "quality": args.esp32_quality,
            "frame_kb": frame_kb(env.cam), "steps": steps,
            "nofile_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}
    log(f"esp32: camsim {args.esp32_resolution} at {args.esp32_fps:g} fps, quality "
        f"{args.esp32_quality}: {info['frame_kb']} KB a frame")
    try:
        for name, server in env.servers.items():
            for n in steps:
                if n + FD_MARGIN > info["nofile_limit"]:
                    attempt("esp32", f"esp32 {name} x{n}", lambda: _too_many(n, info["nofile_limit"]))
                    break
                log(f"esp32: {name} x{n}")
                r = attempt("esp32", f"esp32 {name} x{n}",
                            lambda: dict(env.measure(server, "mjpeg", n), name=f"esp32-{n}"))
                # A server that lost most of its viewers is not pushed further.
                if r is None or r["errors"] + r["disconnects"] > n / 2:
                    log(f"esp32: {name} stops at {n} viewers")
                    break
    finally:
        env.close()
    return info


def _too_many(n, limit):
    raise RuntimeError(f"{n} viewers need about {n + FD_MARGIN} file descriptors per process, "
                       f"RLIMIT_NOFILE allows {limit} (raise the hard limit: ulimit -Hn)")
